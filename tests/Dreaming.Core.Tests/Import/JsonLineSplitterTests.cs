using System.Buffers;
using System.Text;

namespace Dreaming.Core.Tests.Import;

public sealed class JsonLineSplitterTests
{
    [Fact]
    public void A_line_offered_again_with_more_bytes_is_searched_from_where_the_search_stopped()
    {
        var splitter = new JsonLineSplitter();
        var lines = new List<string>();

        // The same start each time, with more bytes after it, as a pipe offers an unfinished line again.
        foreach (var (text, isFinal) in new[] { ("abc", false), ("abcdef\r", false), ("abcdef\r\n\r\ngh", false), ("abcdef\r\n\r\ngh", true) })
        {
            var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text[Consumed(lines)..]));
            while (splitter.TryReadLine(ref buffer, isFinal, out var line))
            {
                lines.Add(Encoding.UTF8.GetString(line));
            }
        }

        Assert.Equal(["abcdef\r", "\r", "gh"], lines);
        Assert.Equal("abcdef\r\n\r\ngh".Length, splitter.BytesSearched);
    }

    [Fact]
    public void Nothing_is_taken_from_an_empty_final_block()
    {
        var splitter = new JsonLineSplitter();
        var buffer = ReadOnlySequence<byte>.Empty;

        Assert.False(splitter.TryReadLine(ref buffer, isFinalBlock: true, out _));
        Assert.Equal(0, splitter.BytesSearched);
    }

    // The bytes taken by the lines so far, each with its line feed.
    private static int Consumed(List<string> lines) => lines.Sum(line => line.Length + 1);
}
