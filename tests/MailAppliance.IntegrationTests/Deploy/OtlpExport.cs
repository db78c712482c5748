using Google.Protobuf;

namespace MailAppliance.IntegrationTests.Deploy;

/// <summary>The three OTLP signals, by the path an OTLP/HTTP exporter posts them to.</summary>
public enum OtlpSignal
{
    /// <summary><c>POST /v1/traces</c>: ExportTraceServiceRequest.</summary>
    Traces,

    /// <summary><c>POST /v1/metrics</c>: ExportMetricsServiceRequest.</summary>
    Metrics,

    /// <summary><c>POST /v1/logs</c>: ExportLogsServiceRequest.</summary>
    Logs,
}

/// <summary>One resource of an export: its <c>service.name</c>, and per instrumentation scope the names of what it sent.</summary>
/// <param name="ServiceName">The resource attribute <c>service.name</c> (empty when absent).</param>
/// <param name="Items">Scope name and item: span names (traces), metric names (metrics) or log bodies (logs).</param>
public sealed record OtlpResource(string ServiceName, IReadOnlyList<(string Scope, string Item)> Items)
{
    /// <summary>For traces: every span with its trace id and parent span id (hex; empty parent for a root span).</summary>
    public IReadOnlyList<OtlpSpan> Spans { get; init; } = [];
}

/// <summary>One span of a trace export.</summary>
/// <param name="Scope">The instrumentation scope (ActivitySource) name.</param>
/// <param name="Name">The span name.</param>
/// <param name="TraceId">Span.trace_id (field 1), hex.</param>
/// <param name="SpanId">Span.span_id (field 2), hex.</param>
/// <param name="ParentSpanId">Span.parent_span_id (field 4), hex; empty for a root span.</param>
public sealed record OtlpSpan(string Scope, string Name, string TraceId, string SpanId, string ParentSpanId);

/// <summary>
/// A minimal reader of OTLP export requests (opentelemetry-proto, collector/*/v1/*_service.proto) on the protobuf
/// wire format with Google.Protobuf's <see cref="CodedInputStream"/>: the generated OpenTelemetry.Proto types are
/// internal to the exporter, and only a few fields matter here. The three requests have the same shape:
/// <code>
/// Export*ServiceRequest { repeated Resource{Spans|Metrics|Logs} = 1 }
///   Resource* { Resource resource = 1; repeated Scope{Spans|Metrics|Logs} scope_* = 2 }
///     Resource { repeated KeyValue attributes = 1 }   KeyValue { string key = 1; AnyValue value = 2 }
///     Scope*   { InstrumentationScope scope = 1 (name = 1); repeated Span|Metric|LogRecord = 2 }
///       Span.name = 5 (trace_id = 1, span_id = 2, parent_span_id = 4), Metric.name = 1, LogRecord.body = 5 (AnyValue.string_value = 1)
/// </code>
/// </summary>
public static class OtlpExport
{
    /// <summary>Decodes one export request body.</summary>
    public static IReadOnlyList<OtlpResource> Parse(OtlpSignal signal, byte[] body)
    {
        var resources = new List<OtlpResource>();
        foreach (var resourceData in Messages(ByteString.CopyFrom(body), 1))
        {
            string serviceName = Messages(resourceData, 1)
                .SelectMany(resource => Messages(resource, 1))
                .Select(KeyValue)
                .FirstOrDefault(pair => pair.Key == "service.name").Value ?? string.Empty;
            var items = new List<(string, string)>();
            var spans = new List<OtlpSpan>();
            foreach (var scopeData in Messages(resourceData, 2))
            {
                string scope = Messages(scopeData, 1).Select(s => Strings(s, 1).FirstOrDefault()).FirstOrDefault() ?? string.Empty;
                foreach (var item in Messages(scopeData, 2))
                {
                    string? name = signal switch
                    {
                        OtlpSignal.Traces => Strings(item, 5).FirstOrDefault(),
                        OtlpSignal.Metrics => Strings(item, 1).FirstOrDefault(),
                        _ => Messages(item, 5).Select(body => Strings(body, 1).FirstOrDefault()).FirstOrDefault(),
                    };
                    items.Add((scope, name ?? string.Empty));
                    if (signal == OtlpSignal.Traces)
                    {
                        spans.Add(new OtlpSpan(scope, name ?? string.Empty, Hex(item, 1), Hex(item, 2), Hex(item, 4)));
                    }
                }
            }

            resources.Add(new OtlpResource(serviceName, items) { Spans = spans });
        }

        return resources;
    }

    private static (string Key, string? Value) KeyValue(ByteString keyValue) =>
        (Strings(keyValue, 1).FirstOrDefault() ?? string.Empty,
         Messages(keyValue, 2).Select(value => Strings(value, 1).FirstOrDefault()).FirstOrDefault());

    /// <summary>The length-delimited fields numbered <paramref name="field"/>; every other field is skipped.</summary>
    private static List<ByteString> Messages(ByteString message, int field)
    {
        var found = new List<ByteString>();
        var input = message.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == field && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                found.Add(input.ReadBytes());
            }
            else
            {
                input.SkipLastField();
            }
        }

        return found;
    }

    private static string Hex(ByteString message, int field) =>
        Messages(message, field).Select(bytes => Convert.ToHexStringLower(bytes.Span)).FirstOrDefault() ?? string.Empty;

    private static IEnumerable<string> Strings(ByteString message, int field) =>
        Messages(message, field).Select(bytes => bytes.ToStringUtf8());
}
