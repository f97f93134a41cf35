using System.Text;
using Microsoft.Extensions.Time.Testing;
using static Dreaming.Core.Tests.Import.ImportTestData;

namespace Dreaming.Core.Tests.Import;

public sealed class SessionLogReaderTests
{
    private static readonly SessionImportOptions Skip = new() { ErrorHandling = ImportErrorHandling.SkipMalformed };

    [Fact]
    public async Task Json_lines_give_one_session_per_line_and_ignore_blank_lines()
    {
        var jsonl = "\n" + ToolSession.ReplaceLineEndings(" ") + "\n\n   \n" + SessionWith("""[{"role":"user","content":"second"}]""") + "\r\n";

        var items = await ReadAllAsync(jsonl, sourceName: "log.jsonl");

        Assert.Equal([(0, 2L), (1, 5L)], items.Select(i => (i.Index, i.LineNumber!.Value)));
        Assert.Equal("s-1", items[0].Session!.Session.Id);
        Assert.Equal("second", items[1].Session!.Session.Task);
        Assert.Equal("5", items[1].Session!.Session.Metadata["import.line"]);
    }

    [Fact]
    public async Task A_json_array_and_the_same_sessions_as_json_lines_read_alike()
    {
        var array = await ReadAllAsync($"[{ToolSession}]");
        var lines = await ReadAllAsync(ToolSession.ReplaceLineEndings(" "));

        Assert.Equal(array.Single().Session!.Events, lines.Single().Session!.Events);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \r\n\t ")]
    [InlineData("[]")]
    [InlineData("\uFEFF [ ]")]
    public async Task Empty_input_gives_no_sessions(string json)
    {
        Assert.Empty(await ReadAllAsync(json));
    }

    [Fact]
    public async Task A_byte_order_mark_is_skipped()
    {
        Assert.Single(await ReadAllAsync("\uFEFF" + $"[{ToolSession}]"));
    }

    [Theory]
    [InlineData("42", "is a number, not a session object")]
    [InlineData("""{ "id": "x" }""", "has no \"messages\" array")]
    [InlineData("""{ "messages": {} }""", "has no \"messages\" array")]
    [InlineData("""{ "messages": [{ "content": "no role" }] }""", "message 0 has no \"role\"")]
    [InlineData("""{ "messages": [{ "role": "user" }, "text"] }""", "message 1 is a string, not an object")]
    [InlineData("""{ "messages": [{ "role": "tool", "content": "x" }] }""", "message 0 is a tool message without \"tool_call_id\"")]
    [InlineData("""{ "messages": [{ "role": "user", "content": 3 }] }""", "message 0 has \"content\" that is a number")]
    [InlineData("""{ "messages": [{ "role": "assistant", "tool_calls": {} }] }""", "message 0 has \"tool_calls\" that is an object")]
    [InlineData("""{ "messages": [{ "role": "assistant", "tool_calls": [{ "id": "c" }] }] }""", "message 0 has tool call 0 without a \"function\" object")]
    [InlineData("""{ "messages": [], "reward": "1" }""", "has \"reward\" that is a string, not a finite number")]
    [InlineData("""{ "messages": [], "success": "yes" }""", "has \"success\" that is a string, not a boolean")]
    [InlineData("""{ "messages": [], "agent": {} }""", "has \"agent\" that is an object, not a string or a number")]
    [InlineData("""{ "messages": [], "started_at": "yesterday" }""", "has \"started_at\" that is not a time")]
    public async Task A_malformed_element_fails_an_atomic_read_naming_the_source_and_index(string element, string problem)
    {
        var json = $"[{ToolSession}, {element}]";

        var exception = await Assert.ThrowsAsync<SessionImportException>(() => ReadAllAsync(json, sourceName: "bad.json"));

        Assert.StartsWith("bad.json element 1: ", exception.Message, StringComparison.Ordinal);
        Assert.Contains(problem, exception.Message, StringComparison.Ordinal);
        Assert.Equal(("bad.json", (int?)1, (long?)null), (exception.Error!.SourceName, exception.Error.Index, exception.Error.LineNumber));
    }

    [Fact]
    public async Task Skip_malformed_reports_bad_elements_and_keeps_reading()
    {
        var json = $"[{ToolSession.Replace("s-1", "a", StringComparison.Ordinal)}, 42, {SessionWith("[{}]")}, {ToolSession}]";

        var items = await ReadAllAsync(json, Skip, "mixed.json");

        Assert.Equal([true, false, false, true], items.Select(i => i.Succeeded));
        Assert.Equal("mixed.json element 2: message 0 has no \"role\"", items[2].Error!.ToString());
    }

    [Fact]
    public async Task A_repeated_id_is_malformed()
    {
        var items = await ReadAllAsync($"[{ToolSession}, {ToolSession}]", Skip);

        Assert.Contains("repeats the id 's-1' of element 0", items[1].Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_json_in_an_array_names_the_element_and_line()
    {
        var json = $"\n[\n{SessionWith("[]")},\n{{ \"messages\": [ oops ] }}\n]";

        var exception = await Assert.ThrowsAsync<SessionImportException>(() => ReadAllAsync(json, sourceName: "broken.json"));

        Assert.Equal(((int?)1, (long?)4), (exception.Error!.Index, exception.Error.LineNumber));
        Assert.StartsWith("broken.json element 1 (line 4): is not valid JSON at byte ", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", exception.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<System.Text.Json.JsonException>(exception.InnerException);
    }

    [Fact]
    public async Task Skip_malformed_stops_at_invalid_json_in_an_array_but_keeps_what_came_before()
    {
        var items = await ReadAllAsync($"[{ToolSession}, {{ \"messages\": [ oops ] }}, {SessionWith("[]")}]", Skip);

        Assert.Equal([true, false], items.Select(i => i.Succeeded));
        Assert.Equal(1, items[1].Error!.Index);
    }

    [Fact]
    public async Task Invalid_json_on_a_line_names_the_line_and_skip_malformed_goes_on()
    {
        var jsonl = SessionWith("[]") + "\n\n{ \"messages\": [ \n" + SessionWith("[]");

        var exception = await Assert.ThrowsAsync<SessionImportException>(() => ReadAllAsync(jsonl, sourceName: "log.jsonl"));
        var items = await ReadAllAsync(jsonl, Skip, "log.jsonl");

        Assert.StartsWith("log.jsonl element 1 (line 3): is not valid JSON", exception.Message, StringComparison.Ordinal);
        Assert.Equal([true, false, true], items.Select(i => i.Succeeded));
        Assert.Equal(((int?)1, (long?)3), (items[1].Error!.Index, items[1].Error!.LineNumber));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Bytes_that_are_not_utf8_are_an_error_naming_the_line_never_replaced(bool array)
    {
        // 0xFF never occurs in UTF-8; before, JSON Lines read it as U+FFFD and imported the changed text.
        var good = System.Text.Encoding.UTF8.GetBytes(SessionWith("""[{"role":"user","content":"ok"}]"""));
        var bad = System.Text.Encoding.UTF8.GetBytes(SessionWith("""[{"role":"user","content":"café X"}]""").Replace("X", "�", StringComparison.Ordinal));
        var marker = System.Text.Encoding.UTF8.GetBytes("�");
        var at = bad.AsSpan().IndexOf(marker);
        bad = [.. bad[..at], 0xFF, .. bad[(at + marker.Length)..]];
        byte[] source = array
            ? [(byte)'[', .. good, (byte)',', (byte)'\n', .. bad, (byte)']']
            : [.. good, (byte)'\n', .. bad, (byte)'\n'];

        var items = new List<ImportedSession>();
        await foreach (var item in Reader().ReadAsync(new MemoryStream(source), "log", new SessionImportOptions { ErrorHandling = ImportErrorHandling.SkipMalformed }))
        {
            items.Add(item);
        }

        Assert.Equal([true, false], items.Select(i => i.Succeeded));
        Assert.Equal(1, items[1].Error!.Index);
        Assert.Equal(array ? null : 2, items[1].Error!.LineNumber);   // elements of an array are named by index
        Assert.Contains("UTF-8", items[1].Error!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(items, i => i.Session?.Events.OfType<MessageEvent>().Any(m => m.Text.Contains('\uFFFD', StringComparison.Ordinal)) == true);
    }

    [Theory]
    [InlineData(false, """[{"role":"user","content":"caf\ud83d"}]""")]
    [InlineData(true, """[{"role":"user","content":"caf\ud83d"}]""")]
    [InlineData(false, """[{"role":"user","cont\udc00ent":"x"}]""")]
    [InlineData(true, """[{"role":"user","contents":[{"$ty\udc00pe":"text","text":"x"}]}]""")]
    public async Task Half_a_surrogate_pair_escaped_is_an_error_naming_the_element_never_an_exception_or_replaced(bool array, string messages)
    {
        // Reading such a string or name threw InvalidOperationException out of the enumeration, even with SkipMalformed.
        var good = SessionWith("""[{"role":"user","content":"ok"}]""");
        var source = array ? $"[{good},\n{SessionWith(messages)}, {good}]" : $"{good}\n{SessionWith(messages)}\n{good}\n";

        var items = new List<ImportedSession>();
        await foreach (var item in Reader().ReadAsync(Utf8(source), "log", new SessionImportOptions { ErrorHandling = ImportErrorHandling.SkipMalformed }))
        {
            items.Add(item);
        }

        Assert.Equal([true, false, true], items.Select(i => i.Succeeded));
        Assert.Equal((1, array ? null : 2), (items[1].Error!.Index, items[1].Error!.LineNumber));
        Assert.StartsWith("holds text that is not valid UTF-16: ", items[1].Error!.Message, StringComparison.Ordinal);
        var atomic = await Assert.ThrowsAsync<SessionImportException>(async () =>
        {
            await foreach (var item in Reader().ReadAsync(Utf8(source), "log"))
            {
            }
        });
        Assert.IsType<InvalidOperationException>(atomic.InnerException);
    }

    [Theory]
    [InlineData(ImportErrorHandling.Atomic)]
    [InlineData(ImportErrorHandling.SkipMalformed)]
    public async Task A_source_that_is_neither_an_array_nor_json_lines_fails(ImportErrorHandling errorHandling)
    {
        var exception = await Assert.ThrowsAsync<SessionImportException>(
            () => ReadAllAsync("\n\nhello", new SessionImportOptions { ErrorHandling = errorHandling }, "notes.txt"));

        Assert.Equal("notes.txt (line 3): is neither a JSON array ('[') nor JSON Lines of session objects ('{')", exception.Message);
    }

    [Fact]
    public async Task Reading_stops_when_cancelled()
    {
        using var cancellation = new CancellationTokenSource();
        var read = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var item in Reader().ReadAsync(Utf8($"[{SessionWith("[]")}, {SessionWith("[]")}]"), "x.json", cancellationToken: cancellation.Token))
            {
                read++;
                await cancellation.CancelAsync();
            }
        });
        Assert.Equal(1, read);
    }

    [Theory]
    [InlineData(true, 1)]
    [InlineData(true, 7)]
    [InlineData(false, 1)]
    [InlineData(false, 7)]
    public async Task Elements_that_span_many_reads_are_read_whole(bool array, int bytesPerRead)
    {
        var sessions = new[] { ToolSession.ReplaceLineEndings(" "), SessionWith("[]"), ToolSession.Replace("s-1", "s-2", StringComparison.Ordinal).ReplaceLineEndings(" ") };
        var text = "\uFEFF\n" + (array ? "[" + string.Join(",\n", sessions) + "]" : string.Join("\n", sessions)) + "\n";
        var expected = await ReadAllAsync(text);

        var items = new List<ImportedSession>();
        await foreach (var item in Reader().ReadAsync(new TrickleStream(Encoding.UTF8.GetBytes(text), bytesPerRead), "test.json"))
        {
            items.Add(item);
        }

        Assert.Equal(3, items.Count);
        Assert.Equal(expected.Select(i => i.Session!.Events.Count), items.Select(i => i.Session!.Events.Count));
        Assert.Equal(expected.Select(i => i.Session!.Session.Id), items.Select(i => i.Session!.Session.Id));
        Assert.Equal(expected.Select(i => i.LineNumber), items.Select(i => i.LineNumber));
    }

    [Theory]
    [InlineData(64 * 1024)]
    [InlineData(4 * 1024)]
    public async Task A_line_longer_than_many_reads_is_searched_for_its_end_once(int bytesPerRead)
    {
        // Before, the search for a line feed started again at the line's first byte after every read: a 4 MB line read
        // 64 KB at a time searched 64 × 2 MB = 128 MB, and 4 KB at a time 2 GB. Each byte is searched once now.
        var content = new string('a', 4 * 1024 * 1024);
        var text = SessionWith("[]") + "\r\n\n" + SessionWith($$"""[{"role":"user","content":"{{content}}"}]""") + "\r\n \t\n" + SessionWith("""[{"role":"user","content":"last"}]""");
        var bytes = Encoding.UTF8.GetBytes(text);
        long searched = -1;
        var reader = new SessionLogReader(new FakeTimeProvider(Now)) { ScanObserver = count => searched = count };

        var items = new List<ImportedSession>();
        await foreach (var item in reader.ReadAsync(new TrickleStream(bytes, bytesPerRead), "long.jsonl"))
        {
            items.Add(item);
        }

        Assert.Equal([1L, 3L, 5L], items.Select(i => i.LineNumber!.Value));
        Assert.Equal(content.Length, items[1].Session!.Events.OfType<MessageEvent>().Single().Text.Length);
        Assert.Equal("last", items[2].Session!.Session.Task);
        Assert.InRange(searched, content.Length, bytes.Length);
    }

    [Theory]
    [InlineData(64 * 1024)]
    [InlineData(4 * 1024)]
    public async Task An_array_element_longer_than_many_reads_is_parsed_a_bounded_number_of_times(int bytesPerRead)
    {
        // Before, an unfinished element was parsed again from its start after every read: a 4 MB element read 64 KB at a
        // time was offered to the JSON reader 64 times (128 MB), 4 KB at a time 1,024 times (2 GB). Now it is tried again
        // only once the unread bytes have doubled, so the bytes offered stay within a small multiple of the input.
        var content = new string('a', 4 * 1024 * 1024);
        var text = "[" + SessionWith("[]") + ",\n" + SessionWith($$"""[{"role":"user","content":"{{content}}"}]""") + ", " + SessionWith("""[{"role":"user","content":"last"}]""") + "]";
        var bytes = Encoding.UTF8.GetBytes(text);
        long scanned = -1;
        var reader = new SessionLogReader(new FakeTimeProvider(Now)) { ScanObserver = count => scanned = count };

        var items = new List<ImportedSession>();
        await foreach (var item in reader.ReadAsync(new TrickleStream(bytes, bytesPerRead), "long.json"))
        {
            items.Add(item);
        }

        Assert.Equal(3, items.Count);
        Assert.All(items, item => Assert.Null(item.Error));
        Assert.Equal(content.Length, items[1].Session!.Events.OfType<MessageEvent>().Single().Text.Length);
        Assert.Equal("last", items[2].Session!.Session.Task);
        Assert.InRange(scanned, bytes.Length, 5L * bytes.Length);
    }

    [Fact]
    public async Task Anything_after_the_array_is_invalid_json()
    {
        var exception = await Assert.ThrowsAsync<SessionImportException>(() => ReadAllAsync($"[{SessionWith("[]")}]\n[]", sourceName: "two-arrays.json"));

        Assert.StartsWith("two-arrays.json element 1 (line 2): is not valid JSON", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_stream_is_left_open()
    {
        var stream = new MemoryStream(Encoding.UTF8.GetBytes("[]"));

        await foreach (var item in Reader().ReadAsync(stream, "x.json"))
        {
            Assert.Fail("no sessions expected");
        }

        Assert.True(stream.CanRead);
    }
}
