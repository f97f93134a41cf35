using Dreaming.Cli.Output;

namespace Dreaming.Cli.Tests;

public class TerminalSafeWriterTests
{
    [Fact]
    public void Control_characters_become_question_marks_and_line_feeds_tabs_and_text_pass_unchanged()
    {
        using var inner = new StringWriter();
        var writer = new TerminalSafeWriter(inner);
        writer.Write("a\u001b[2Jb\u0007\tc\u0000\u007f\u0085\u009bd été 日本 😀\n");
        writer.Write('\u001b');
        writer.Complete();
        Assert.Equal("a?[2Jb?\tc????d été 日本 😀\n?", inner.ToString());
    }

    [Fact]
    public void A_carriage_return_is_kept_only_before_a_line_feed_even_across_writes()
    {
        using var inner = new StringWriter();
        var writer = new TerminalSafeWriter(inner);
        writer.Write("one\r\ntwo\rthree\r");
        writer.Write("\nfour\r");
        writer.Write("five\r");
        writer.Complete();
        Assert.Equal("one\r\ntwo?three\r\nfour?five?", inner.ToString());
    }

    [Fact]
    public void A_line_with_nothing_to_replace_reaches_the_console_in_one_write()
    {
        // Console.Out flushes on every write (a system call, and a redraw in a terminal): a line written as its text and
        // then its line break doubled the writes of `session show` and of every table.
        using var inner = new CountingWriter();
        var writer = new TerminalSafeWriter(inner);
        writer.WriteLine("ses_1  completed  Refund order #W1001 😀");
        writer.WriteLine("a\u001b[2J");
        writer.Write("b\r");
        writer.WriteLine("c");
        writer.Complete();
        Assert.Equal("ses_1  completed  Refund order #W1001 😀\na?[2J\nb?c\n", inner.ToString());
        Assert.Equal(1, inner.Writes[0]);
    }

    private sealed class CountingWriter : TextWriter
    {
        private readonly System.Text.StringBuilder _text = new();

        public CountingWriter() => NewLine = "\n";

        public List<int> Writes { get; } = [0];

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value)
        {
            Writes[^1]++;
            _text.Append(value);
        }

        public override void Write(ReadOnlySpan<char> buffer)
        {
            Writes[^1]++;
            _text.Append(buffer);
        }

        public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

        public override void Write(string? value) => Write(value.AsSpan());

        public override void WriteLine(ReadOnlySpan<char> buffer)
        {
            Writes[^1]++;
            _text.Append(buffer).Append('\n');
            Writes.Add(0);
        }

        public override void WriteLine(string? value) => WriteLine(value.AsSpan());

        public override string ToString() => _text.ToString();
    }
}
