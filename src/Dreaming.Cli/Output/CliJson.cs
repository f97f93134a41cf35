using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dreaming.Cli.Output;

/// <summary>The JSON shape of the tool's <c>--json</c> output.</summary>
internal static class CliJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Gets the options of outputs whose documented shape uses snake_case names (<c>dreaming dream --json</c>).</summary>
    public static JsonSerializerOptions SnakeCaseOptions { get; } = new(Options) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public static void Write(TextWriter output, object value) => output.WriteLine(JsonSerializer.Serialize(value, Options));

    public static void WriteSnakeCase(TextWriter output, object value) => output.WriteLine(JsonSerializer.Serialize(value, SnakeCaseOptions));

    public static object Event(SessionEvent sessionEvent) => new
    {
        sequence = sessionEvent.Sequence,
        timestamp = sessionEvent.Timestamp,
        type = sessionEvent.EventType,
        data = sessionEvent,
    };
}
