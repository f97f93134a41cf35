using System.Buffers;
using System.Text;

namespace Dreaming.Cli.Output;

/// <summary>A writer that passes text through to another one with every control character except line feed and tab (and a
/// carriage return that starts a CR LF line ending) written as <c>?</c>.</summary>
/// <remarks>The tool prints data it did not write: imported logs, agent and model output, tool results, ids. An escape
/// sequence in them (ESC, BEL, the C1 CSI) would otherwise reach the user's terminal and could retitle or recolour it, hide
/// text, or move the cursor to overwrite what the tool printed; a lone carriage return would overwrite the line. JSON output
/// holds no raw control characters (the serializer escapes them), so it passes unchanged.</remarks>
internal sealed class TerminalSafeWriter : TextWriter
{
    private const char Substitute = '?';

    // What char.IsControl names (C0, DEL, C1) but line feed and tab.
    private static readonly SearchValues<char> s_replaced = SearchValues.Create(
        string.Concat(Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Where(c => c is not '\n' and not '\t').Select(c => (char)c)));

    private readonly TextWriter _inner;

    // A carriage return at the end of one write: kept if the next character is a line feed, else written as '?'.
    private bool _pendingCarriageReturn;

    public TerminalSafeWriter(TextWriter inner)
    {
        _inner = inner;
        CoreNewLine = inner.NewLine.ToCharArray();
    }

    public override Encoding Encoding => _inner.Encoding;

    public override IFormatProvider FormatProvider => _inner.FormatProvider;

    public override void Write(char value) => Write(new ReadOnlySpan<char>(in value));

    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    public override void Write(string? value) => Write(value.AsSpan());

    public override void Write(ReadOnlySpan<char> buffer)
    {
        if (buffer.IsEmpty)
        {
            return;
        }

        if (_pendingCarriageReturn)
        {
            _pendingCarriageReturn = false;
            _inner.Write(buffer[0] == '\n' ? '\r' : Substitute);
        }

        var start = 0;
        for (var i = 0; i < buffer.Length; i++)
        {
            var c = buffer[i];
            if (!char.IsControl(c) || c is '\n' or '\t')
            {
                continue;
            }

            _inner.Write(buffer[start..i]);
            start = i + 1;
            if (c == '\r')
            {
                if (i + 1 == buffer.Length)
                {
                    _pendingCarriageReturn = true;
                    continue;
                }

                _inner.Write(buffer[i + 1] == '\n' ? '\r' : Substitute);
                continue;
            }

            _inner.Write(Substitute);
        }

        _inner.Write(buffer[start..]);
    }

    public override void WriteLine() => Write(CoreNewLine);

    public override void WriteLine(string? value) => WriteLine(value.AsSpan());

    public override void WriteLine(ReadOnlySpan<char> buffer)
    {
        // A line with nothing to replace goes through in one write: each write of the console is a flush.
        if (!_pendingCarriageReturn && !buffer.ContainsAny(s_replaced))
        {
            _inner.WriteLine(buffer);
            return;
        }

        Write(buffer);
        Write(CoreNewLine);
    }

    public override Task WriteAsync(char value)
    {
        Write(value);
        return Task.CompletedTask;
    }

    public override Task WriteAsync(string? value)
    {
        Write(value);
        return Task.CompletedTask;
    }

    public override Task WriteAsync(char[] buffer, int index, int count)
    {
        Write(buffer, index, count);
        return Task.CompletedTask;
    }

    public override Task WriteLineAsync(string? value)
    {
        WriteLine(value);
        return Task.CompletedTask;
    }

    public override Task WriteLineAsync()
    {
        WriteLine();
        return Task.CompletedTask;
    }

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync() => _inner.FlushAsync();

    /// <summary>Writes a carriage return still held back (no line feed followed it) as <c>?</c>.</summary>
    public void Complete()
    {
        if (_pendingCarriageReturn)
        {
            _pendingCarriageReturn = false;
            _inner.Write(Substitute);
        }

        _inner.Flush();
    }
}
