using System.Text.RegularExpressions;

namespace Dreaming.Core.Tests.Dreams.Mining;

/// <summary>The dream's masking finds e-mail addresses as the redactor does (<see cref="SecretPatternRedactor"/>): an
/// address the redactor would redact is never written into a lesson or a finding's example.</summary>
public sealed partial class SessionValuesEmailTests
{
    [Theory]
    [InlineData("Write to ｍｉａ．ｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ today.", "Write to <value> today.")] // fullwidth at sign and dots
    [InlineData("Write to mia﹫example.com today.", "Write to <value> today.")] // small at sign
    [InlineData("Write to 🙂@example.com today.", "Write to <value> today.")] // an emoji local part
    [InlineData("Write to 👨‍💻@example.com today.", "Write to <value> today.")] // an emoji sequence with a joiner
    [InlineData("メールはjane.doe@example.co.ukへ送ってください", "メールは<value>へ送ってください")] // prose written without spaces around it
    [InlineData("Write to renée@bücher.de today.", "Write to <value> today.")]
    [InlineData("Write to mia.li@example.com today.", "Write to <value> today.")]
    public void An_address_the_redactor_redacts_is_masked_in_the_same_place(string text, string expected)
    {
        var masked = SessionValues.ForText([]).MaskText(text, out var count);

        Assert.Equal((expected, 1), (masked, count));

        // One source of truth: the mask covers exactly what the redactor replaces.
        Assert.Equal(expected, new SecretPatternRedactor().Redact(text).Replace("[REDACTED:email]", "<value>", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Log in with password=mia.li@example.com first.", "Log in with password=<value> first.")] // an address read as a password
    [InlineData("Send {\"password\":\"mia.li@example.com\"} again.", "Send {\"password\":\"<value>\"} again.")]
    [InlineData("Open https://mia:hunter2@example.com now.", "Open https://mia:<value>@example.com now.")] // a URL's password
    [InlineData("Send Bearer mia.li.long@example.com now.", "Send Bearer <value> now.")] // an address read as a token, whole
    [InlineData("(Send Bearer mia.li.long@example.com) now.", "(Send Bearer <value>) now.")] // ... to the bracket
    [InlineData("トークンは Bearer mia.li.long@example.comです。次へ。", "トークンは Bearer <value>です。次へ。")] // ... to prose without spaces
    [InlineData("Write to mia@example.sk-abcdefghijklmnopqrst now.", "Write to <value> now.")] // a key run into an address
    public void An_address_the_redactor_redacts_as_another_secret_is_masked_as_it_redacts_it(string text, string expected)
    {
        // The old mask read each of these as an address ([\w.+-]+@…) and masked it; the redactor's pattern reads the
        // address, or a part of it, as a password, a token or a key, which it redacts all the same.
        var masked = SessionValues.ForText([]).MaskText(text, out _);

        Assert.Equal(expected, masked);
        // The mask covers what the redactor replaces (a run of <value>s is one, as the mask writes it).
        Assert.Equal(expected, RepeatedValue().Replace(Redacted().Replace(new SecretPatternRedactor().Redact(text), "<value>"), "<value>"));
    }

    [Theory]
    [InlineData("The total is 3＠¥1,200 a unit.")] // a price, not an address
    [InlineData("Ask @support on the forum.")]
    public void Text_the_redactor_keeps_is_kept(string text)
    {
        Assert.Same(text, SessionValues.ForText([]).MaskText(text, out var count));
        Assert.Equal(0, count);
        Assert.Equal(text, new SecretPatternRedactor().Redact(text));
    }

    [Fact]
    public void Text_the_redactor_cannot_scan_in_time_is_one_span_whole()
    {
        // As Redact replaces such text whole, the mask masks it whole (a lesson that is one <value> is then left out). The
        // redactor's two seconds are out of reach on the texts the dream masks (600 characters at most): the same pattern
        // with a millisecond's timeout, on a million characters with no address after the first ten, stands in for them.
        var pattern = new Regex(SecretPatternRedactor.Pattern.ToString(), SecretPatternRedactor.Pattern.Options, TimeSpan.FromMilliseconds(1));
        var text = string.Concat(Enumerable.Repeat("mia@example.com ", 10)) + string.Concat(Enumerable.Repeat("a@ ", 400_000));
        List<(int Start, int End)> spans = [(0, 1)];

        SecretPatternRedactor.FindEmails(pattern, text, spans);

        // The spans found before the timeout are dropped for the one whole span; one added before the call is kept.
        Assert.Equal([(0, 1), (0, text.Length)], spans);
    }

    [GeneratedRegex(@"\[REDACTED:[a-z-]+\]", RegexOptions.CultureInvariant)]
    private static partial Regex Redacted();

    [GeneratedRegex(@"<value>(?:[\s,;:.]*<value>)+", RegexOptions.CultureInvariant)]
    private static partial Regex RepeatedValue();
}
