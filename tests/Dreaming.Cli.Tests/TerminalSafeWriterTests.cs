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
}
