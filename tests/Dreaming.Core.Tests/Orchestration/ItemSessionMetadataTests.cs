namespace Dreaming.Tests;

public class ItemSessionMetadataTests
{
    [Fact]
    public void Reads_the_item_and_attempt_as_a_dictionary_of_two_entries()
    {
        IDictionary<string, string> metadata = new ItemSessionMetadata("draft", 3);

        Assert.Equal(2, metadata.Count);
        Assert.Equal("draft", metadata["orchestration.item"]);
        Assert.Equal("3", metadata["orchestration.attempt"]);
        Assert.True(metadata.ContainsKey("orchestration.attempt"));
        Assert.False(metadata.TryGetValue("other", out _));
        Assert.Contains(new KeyValuePair<string, string>("orchestration.item", "draft"), metadata);
        Assert.DoesNotContain(new KeyValuePair<string, string>("orchestration.item", "other"), metadata);
        Assert.Equal(
            [new("orchestration.item", "draft"), new("orchestration.attempt", "3")],
            metadata.ToArray());
        Assert.Equal(["orchestration.attempt", "orchestration.item"], metadata.Keys.Order(StringComparer.Ordinal));
        var missing = Assert.Throws<KeyNotFoundException>(() => metadata["other"]);
        Assert.Contains("'other'", missing.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => metadata.TryGetValue(null!, out _));
    }

    [Fact]
    public void A_write_keeps_the_two_entries_and_behaves_as_an_ordinary_dictionary()
    {
        IDictionary<string, string> metadata = new ItemSessionMetadata("draft", 1);

        metadata["tenant"] = "acme";
        metadata.Add("region", "eu");
        Assert.Throws<ArgumentException>(() => metadata.Add("region", "us"));
        Assert.True(metadata.Remove("orchestration.attempt"));

        Assert.Equal(3, metadata.Count);
        Assert.Equal(
            [new("orchestration.item", "draft"), new("region", "eu"), new("tenant", "acme")],
            metadata.OrderBy(p => p.Key, StringComparer.Ordinal).ToArray());
        var copy = new KeyValuePair<string, string>[4];
        metadata.CopyTo(copy, 1);
        Assert.Null(copy[0].Key);
        metadata.Clear();
        Assert.Empty(metadata);
    }

    [Fact]
    public void Serializes_as_a_json_object_like_a_dictionary()
    {
        IDictionary<string, string> metadata = new ItemSessionMetadata("draft", 2);

        Assert.Equal("""{"orchestration.item":"draft","orchestration.attempt":"2"}""", System.Text.Json.JsonSerializer.Serialize(metadata));
    }

    [Fact]
    public void Enumerates_like_a_dictionary_refusing_a_change_under_way_and_reading_as_read_only()
    {
        var metadata = new ItemSessionMetadata("draft", 1);
        IReadOnlyDictionary<string, string> readOnly = metadata;
        Assert.Equal("draft", readOnly["orchestration.item"]);
        Assert.Equal(["orchestration.attempt", "orchestration.item"], readOnly.Keys.Order(StringComparer.Ordinal));

        using var enumerator = ((IDictionary<string, string>)metadata).GetEnumerator();
        Assert.True(enumerator.MoveNext());
        Assert.True(enumerator.MoveNext());
        Assert.False(enumerator.MoveNext());
        enumerator.Reset();
        Assert.True(enumerator.MoveNext());
        Assert.Equal("orchestration.item", enumerator.Current.Key);

        metadata["tenant"] = "acme";
        Assert.Throws<InvalidOperationException>(() => enumerator.MoveNext());
    }
}
