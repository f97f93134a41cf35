using System.Text;
using System.Text.Json;

namespace Dreaming.Tests;

public class ModelReplyJsonTests
{
    private static readonly Func<JsonElement, bool> s_hasItems = static root => root.ValueKind == JsonValueKind.Object && root.TryGetProperty("items", out _);

    [Theory]
    [InlineData("{\"items\":[1]}")]
    [InlineData("```json\n{\"items\":[1]}\n```")]
    [InlineData("Here it is: {\"items\":[1]} Tell me if it needs changes {or not}.")]
    [InlineData("The format is {\"id\": 1}; the answer: {\"items\":[1]}")]
    [InlineData("{\"result\": {\"items\":[1]}}")]
    public void The_first_accepted_object_is_found_whatever_wraps_it(string reply)
    {
        using var document = ModelReplyJson.Find(reply, s_hasItems, 16, default, out var json);

        Assert.NotNull(document);
        Assert.Equal("{\"items\":[1]}", Encoding.UTF8.GetString(json.Span));
    }

    [Fact]
    public void The_search_stops_after_its_candidates()
    {
        // Twenty stray braces before the answer, four tries: the answer is never reached, and the reply is read a few times at most.
        var reply = string.Concat(Enumerable.Repeat("{ ", 20)) + "{\"items\":[1]}";

        Assert.Null(ModelReplyJson.Find(reply, s_hasItems, 4, default, out _));
        Assert.NotNull(ModelReplyJson.Find(reply, s_hasItems, 64, default, out _));
    }

    [Fact]
    public void Half_a_surrogate_pair_reads_as_a_replacement_character_not_an_exception()
    {
        using var document = ModelReplyJson.Find("{\"items\":[\"a\ud800b\"]}", s_hasItems, 16, default, out _);

        Assert.Equal("a\ufffdb", document!.RootElement.GetProperty("items")[0].GetString());
    }

    [Theory]
    [InlineData("{\"items\":[\"a\\ud800b\"]}", "a\ufffdb")]
    [InlineData("{\"items\":[\"a\\uDC00\"]}", "a\ufffd")]
    [InlineData("{\"items\":[\"\\ud83d\\ud83d\\ude00\"]}", "\ufffd\ud83d\ude00")]
    [InlineData("{\"items\":[\"\\ud83d x\\ude00\"]}", "\ufffd x\ufffd")]
    [InlineData("{\"items\":[\"\\ud83d\\ude00 ok\"]}", "\ud83d\ude00 ok")]
    [InlineData("{\"items\":[\"\\\\ud800\"]}", "\\ud800")]
    public void Half_a_surrogate_pair_as_an_escape_reads_as_a_replacement_character_a_whole_pair_as_itself(string reply, string expected)
    {
        using var document = ModelReplyJson.Find(reply, s_hasItems, 16, default, out var json);

        Assert.Equal(expected, document!.RootElement.GetProperty("items")[0].GetString());
        Assert.Equal(json.Length, Encoding.UTF8.GetByteCount(reply));
    }

    [Fact]
    public void Half_a_surrogate_pair_escaped_in_a_property_name_does_not_throw_on_lookup()
    {
        using var document = ModelReplyJson.Find("{\"x\\udc00\":1,\"items\":[1]}", s_hasItems, 16, default, out _);

        Assert.Equal(["x\ufffd", "items"], document!.RootElement.EnumerateObject().Select(p => p.Name));
    }
}
