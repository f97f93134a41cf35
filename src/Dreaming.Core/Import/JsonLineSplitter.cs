using System.Buffers;

namespace Dreaming;

/// <summary>Cuts JSON Lines into lines as the bytes arrive, one buffer at a time, looking at each byte once.</summary>
/// <remarks>
/// A line that spans many reads is offered again with more bytes after each read; the search for its line feed resumes
/// after the bytes already searched instead of starting over at the line's first byte, so a line of n bytes costs O(n)
/// however many reads it takes, not O(n²).
/// </remarks>
internal sealed class JsonLineSplitter
{
    // How many bytes at the start of the pending buffer are known to hold no line feed.
    private long _searched;

    /// <summary>Gets the number of bytes searched for a line feed so far: never more than the bytes offered.</summary>
    public long BytesSearched { get; private set; }

    /// <summary>Takes the next line off the front of <paramref name="buffer"/>.</summary>
    /// <param name="buffer">
    /// The bytes not yet taken; on return, the bytes after the line. When no line is taken, offer the same bytes again,
    /// from the same start, with the bytes read after them.
    /// </param>
    /// <param name="isFinalBlock">Whether no bytes follow <paramref name="buffer"/>: then a last line without a line feed is taken too.</param>
    /// <param name="line">The line, without its line feed (a carriage return before it stays).</param>
    /// <returns>Whether a line was taken.</returns>
    public bool TryReadLine(ref ReadOnlySequence<byte> buffer, bool isFinalBlock, out ReadOnlySequence<byte> line)
    {
        var offset = _searched;
        foreach (var segment in buffer.Slice(_searched))
        {
            var found = segment.Span.IndexOf((byte)'\n');
            if (found >= 0)
            {
                offset += found;
                BytesSearched += offset + 1 - _searched;
                _searched = 0;
                line = buffer.Slice(0, offset);
                buffer = buffer.Slice(offset + 1);
                return true;
            }

            offset += segment.Length;
        }

        BytesSearched += offset - _searched;
        _searched = offset;
        if (isFinalBlock && !buffer.IsEmpty)
        {
            _searched = 0;
            line = buffer;
            buffer = buffer.Slice(buffer.End);
            return true;
        }

        line = default;
        return false;
    }
}
