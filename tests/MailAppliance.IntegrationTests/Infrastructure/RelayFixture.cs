namespace MailAppliance.IntegrationTests.Infrastructure;

/// <summary>
/// One relay process shared by the tests of a class (<c>IClassFixture</c>): started before the first test,
/// killed and cleaned up after the last.
/// </summary>
public abstract class RelayFixture : IAsyncLifetime
{
    private RelayProcess? _relay;

    /// <summary>The running relay.</summary>
    public RelayProcess Relay => _relay ?? throw new InvalidOperationException("the relay has not been started");

    /// <summary>What the relay starts with.</summary>
    protected abstract RelaySetup CreateSetup();

    public async Task InitializeAsync() => _relay = await RelayProcess.StartAsync(CreateSetup());

    public async Task DisposeAsync()
    {
        if (_relay is not null)
        {
            await _relay.DisposeAsync();
        }
    }
}
