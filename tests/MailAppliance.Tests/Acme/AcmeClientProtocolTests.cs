using System.Net;
using System.Text;
using MailAppliance.Acme;

namespace MailAppliance.Tests.Acme;

/// <summary>The client's handling of nonces and problem documents, against a scripted server.</summary>
public sealed class AcmeClientProtocolTests
{
    private const string Directory = """{"newNonce":"https://ca.test/nonce","newAccount":"https://ca.test/account","newOrder":"https://ca.test/order"}""";

    [Fact]
    public async Task ABadNonceIsRetriedWithTheNonceFromTheErrorResponse()
    {
        var server = new ScriptedServer();
        server.Reply(HttpMethod.Get, "/dir", HttpStatusCode.OK, Directory);
        server.Reply(HttpMethod.Head, "/nonce", HttpStatusCode.OK, string.Empty, nonce: "n1");
        server.Reply(HttpMethod.Post, "/account", HttpStatusCode.BadRequest,
            """{"type":"urn:ietf:params:acme:error:badNonce","detail":"stale"}""", nonce: "n2");
        server.Reply(HttpMethod.Post, "/account", HttpStatusCode.Created, """{"status":"valid"}""", nonce: "n3", location: "https://ca.test/acct/1");

        using var key = AcmeAccountKey.Create();
        var client = new AcmeClient(new HttpClient(server), new Uri("https://ca.test/dir"), key);
        Assert.Equal("https://ca.test/acct/1", await client.RegisterAsync(["a@example.test"], true));

        var posts = server.Requests.Where(r => r.Method == HttpMethod.Post).ToList();
        Assert.Equal(2, posts.Count);
        Assert.Contains("\"nonce\":\"n1\"", posts[0].ProtectedHeader, StringComparison.Ordinal);
        Assert.Contains("\"nonce\":\"n2\"", posts[1].ProtectedHeader, StringComparison.Ordinal);
        Assert.All(posts, p => Assert.Equal("application/jose+json", p.ContentType));
    }

    [Fact]
    public async Task ARateLimitIsATypedProblemWithRetryAfter()
    {
        var server = new ScriptedServer();
        server.Reply(HttpMethod.Get, "/dir", HttpStatusCode.OK, Directory);
        server.Reply(HttpMethod.Head, "/nonce", HttpStatusCode.OK, string.Empty, nonce: "n1");
        server.Reply(HttpMethod.Post, "/order", (HttpStatusCode)429,
            """{"type":"urn:ietf:params:acme:error:rateLimited","detail":"too many certificates already issued","status":429}""",
            nonce: "n2", retryAfter: TimeSpan.FromHours(1));

        using var key = AcmeAccountKey.Create();
        var client = new AcmeClient(new HttpClient(server), new Uri("https://ca.test/dir"), key) { AccountUrl = "https://ca.test/acct/1" };
        var e = await Assert.ThrowsAsync<AcmeProblemException>(() => client.NewOrderAsync([AcmeIdentifier.Dns("mail.example.test")]));
        Assert.True(e.IsRateLimited);
        Assert.Equal(TimeSpan.FromHours(1), e.RetryAfter);
        Assert.Equal(429, e.HttpStatus);
        Assert.Equal("too many certificates already issued", e.Detail);
        Assert.Contains("\"kid\":\"https://ca.test/acct/1\"", server.Requests.Last().ProtectedHeader, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadNonceIsRetriedOnlyAFewTimes()
    {
        var server = new ScriptedServer();
        server.Reply(HttpMethod.Get, "/dir", HttpStatusCode.OK, Directory);
        server.Reply(HttpMethod.Head, "/nonce", HttpStatusCode.OK, string.Empty, nonce: "n0");
        for (int i = 0; i <= AcmeClient.MaxBadNonceRetries; i++)
        {
            server.Reply(HttpMethod.Post, "/account", HttpStatusCode.BadRequest, """{"type":"urn:ietf:params:acme:error:badNonce"}""", nonce: "n" + (i + 1));
        }

        using var key = AcmeAccountKey.Create();
        var client = new AcmeClient(new HttpClient(server), new Uri("https://ca.test/dir"), key);
        var e = await Assert.ThrowsAsync<AcmeProblemException>(() => client.RegisterAsync([], true));
        Assert.Equal(AcmeProblem.BadNonce, e.Type);
        Assert.Equal(AcmeClient.MaxBadNonceRetries + 1, server.Requests.Count(r => r.Method == HttpMethod.Post));
    }

    private sealed record Seen(HttpMethod Method, string Path, string? ContentType, string ProtectedHeader);

    private sealed class ScriptedServer : HttpMessageHandler
    {
        private readonly List<(HttpMethod Method, string Path, Func<HttpResponseMessage> Response)> _script = [];

        public List<Seen> Requests { get; } = [];

        public void Reply(HttpMethod method, string path, HttpStatusCode status, string body, string? nonce = null, string? location = null, TimeSpan? retryAfter = null) =>
            _script.Add((method, path, () =>
            {
                var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                if (nonce is not null)
                {
                    response.Headers.Add("Replay-Nonce", nonce);
                }

                if (location is not null)
                {
                    response.Headers.Location = new Uri(location);
                }

                if (retryAfter is { } wait)
                {
                    response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(wait);
                }

                return response;
            }));

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            string header = string.Empty;
            if (request.Content is not null)
            {
                using var jws = System.Text.Json.JsonDocument.Parse(await request.Content.ReadAsStringAsync(cancellationToken));
                header = Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(jws.RootElement.GetProperty("protected").GetString()!));
            }

            Requests.Add(new Seen(request.Method, request.RequestUri!.AbsolutePath, request.Content?.Headers.ContentType?.MediaType, header));
            int index = _script.FindIndex(s => s.Method == request.Method && s.Path == request.RequestUri.AbsolutePath);
            Assert.True(index >= 0, $"unexpected {request.Method} {request.RequestUri}");
            var response = _script[index].Response();
            _script.RemoveAt(index);
            return response;
        }
    }
}
