using System.IO.Pipelines;
using System.Net.Security;

namespace MailAppliance.Smtp.Session;

/// <summary>The byte stream under a session: plain at first, TLS after STARTTLS or on an implicit-TLS port.</summary>
internal sealed class SmtpTransport : IAsyncDisposable
{
    private Stream _stream;

    public SmtpTransport(Stream stream)
    {
        _stream = stream;
        (Reader, Writer) = Pipes(stream);
    }

    public PipeReader Reader { get; private set; }

    public PipeWriter Writer { get; private set; }

    /// <summary>The TLS stream once TLS is active.</summary>
    public SslStream? Tls => _stream as SslStream;

    /// <summary>Runs the server side of a TLS handshake and switches the pipes onto it.</summary>
    public async Task StartTlsAsync(Func<string?, SslServerAuthenticationOptions> options, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await Writer.FlushAsync(cancellationToken);
        await Writer.CompleteAsync();
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        await tls.AuthenticateAsServerAsync(
            (_, hello, _, _) => ValueTask.FromResult(options(hello.ServerName)), null, deadline.Token);
        _stream = tls;
        (Reader, Writer) = Pipes(tls);
    }

    /// <summary>"TLSv1.3 TLS_AES_256_GCM_SHA384"-style description of the session's TLS.</summary>
    public string? Describe() => Tls is { } tls
        ? $"{ProtocolName(tls.SslProtocol)} {tls.NegotiatedCipherSuite}"
        : null;

    public async ValueTask DisposeAsync()
    {
        await Writer.CompleteAsync();
        await _stream.DisposeAsync();
    }

    private static string ProtocolName(System.Security.Authentication.SslProtocols protocol) => protocol switch
    {
        System.Security.Authentication.SslProtocols.Tls13 => "TLSv1.3",
        System.Security.Authentication.SslProtocols.Tls12 => "TLSv1.2",
        _ => protocol.ToString(),
    };

    private static (PipeReader, PipeWriter) Pipes(Stream stream) => (
        PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 8192, minimumReadSize: 2048, leaveOpen: true)),
        PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true)));
}
