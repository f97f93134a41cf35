using System.Text;
using System.Text.Json;

namespace Dreaming.Tests;

/// <summary>The public <see cref="MemoryScopeJsonConverter"/>: every scope kind round-trips as its key, a null scope as
/// null, and what is not a scope key fails with a <see cref="JsonException"/> that says what was found.</summary>
public class MemoryScopeJsonConverterTests
{
    public sealed record Holder(MemoryScope? Scope);

    [Theory]
    [InlineData("global")]
    [InlineData("agent:support-bot")]
    [InlineData("team:tenant:42")]
    [InlineData("agent:café ☕")]
    public void Every_scope_kind_round_trips_as_its_key(string key)
    {
        var json = JsonSerializer.Serialize(new Holder(MemoryScope.Parse(key)));

        Assert.Equal(MemoryScope.Parse(key), JsonSerializer.Deserialize<Holder>(json)!.Scope);
        Assert.Equal(key, JsonDocument.Parse(json).RootElement.GetProperty("Scope").GetString());
    }

    [Fact]
    public void A_null_scope_is_written_and_read_as_null()
    {
        Assert.Equal("{\"Scope\":null}", JsonSerializer.Serialize(new Holder(null)));
        Assert.Null(JsonSerializer.Deserialize<Holder>("{\"Scope\":null}")!.Scope);
    }

    [Theory]
    [InlineData("5", "as a JSON string, not Number.")]
    [InlineData("{\"kind\":\"agent\"}", "as a JSON string, not StartObject.")]
    [InlineData("[\"agent:a\"]", "as a JSON string, not StartArray.")]
    [InlineData("null", "as a JSON string, not Null.")]
    [InlineData("\"agent:\"", "not 'agent:'.")]
    [InlineData("\"Global\"", "not 'Global'.")]
    [InlineData("\"agent:\\ud800\"", "not a string holding half a surrogate pair.")]
    public void Reading_what_is_not_a_scope_key_fails_with_a_json_exception_saying_what_it_found(string json, string expected)
    {
        var converter = new MemoryScopeJsonConverter();

        var error = Assert.Throws<JsonException>(() =>
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
            reader.Read();
            return converter.Read(ref reader, typeof(MemoryScope), JsonSerializerOptions.Default);
        });

        Assert.StartsWith("Expected a memory scope key (agent:<id>, team:<id> or global)", error.Message, StringComparison.Ordinal);
        Assert.EndsWith(expected, error.Message, StringComparison.Ordinal);
        if (json != "null")
        {
            var serializer = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Holder>($"{{\"Scope\":{json}}}"));
            Assert.Equal("$.Scope", serializer.Path);
        }
    }

    [Fact]
    public void Writing_checks_its_arguments()
    {
        var converter = new MemoryScopeJsonConverter();
        using var stream = new MemoryStream();
        using var writer = new Utf8JsonWriter(stream);

        Assert.Equal("writer", Assert.Throws<ArgumentNullException>(() => converter.Write(null!, MemoryScope.Global, JsonSerializerOptions.Default)).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentNullException>(() => converter.Write(writer, null!, JsonSerializerOptions.Default)).ParamName);
    }
}
