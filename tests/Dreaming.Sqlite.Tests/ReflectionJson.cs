using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Dreaming.Sqlite.Tests;

/// <summary>What the stores' JSON columns were written and read with before the source-generated contexts: reflection,
/// explicitly (it works whether or not reflection is on by default). The tests compare the contexts against it.</summary>
internal static class ReflectionJson
{
    /// <summary>The trace and memory stores' columns (event payloads, ids, metadata, evidence).</summary>
    public static JsonSerializerOptions Options { get; } = new() { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    /// <summary>The dream run store's columns (report, stage usage, session ids).</summary>
    public static JsonSerializerOptions DreamRunOptions { get; } = new()
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
    };
}
