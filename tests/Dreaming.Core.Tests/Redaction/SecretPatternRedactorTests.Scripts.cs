using Xunit.Abstractions;

namespace Dreaming.Tests;

/// <summary>Addresses beside or in scripts written without spaces (han, kana, thai, hangul, bopomofo, beyond the BMP),
/// fullwidth and small at signs, emoji local parts, and the linear-time scans of their runs.</summary>
public partial class SecretPatternRedactorTests
{
    [Theory]
    [InlineData("\u304a\u554f\u3044\u5408\u308f\u305b\u306fsupport@example.com\u307e\u3067\u304a\u9858\u3044\u3057\u307e\u3059\u3002", "\u304a\u554f\u3044\u5408\u308f\u305b\u306f[REDACTED:email]\u307e\u3067\u304a\u9858\u3044\u3057\u307e\u3059\u3002")]
    [InlineData("\u8bf7\u8054\u7cfbsupport@example.com\u83b7\u53d6\u5e2e\u52a9", "\u8bf7\u8054\u7cfb[REDACTED:email]\u83b7\u53d6\u5e2e\u52a9")]
    [InlineData("\u0e15\u0e34\u0e14\u0e15\u0e48\u0e2dsupport@example.com\u0e44\u0e14\u0e49\u0e40\u0e25\u0e22", "\u0e15\u0e34\u0e14\u0e15\u0e48\u0e2d[REDACTED:email]\u0e44\u0e14\u0e49\u0e40\u0e25\u0e22")]
    [InlineData("\u30e1\u30fc\u30eb\u306fjane.doe+tag@example.co.uk\u3078", "\u30e1\u30fc\u30eb\u306f[REDACTED:email]\u3078")]
    [InlineData("\u5b9b\u5148\u306f\u043f\u043e\u0447\u0442\u0430@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444\u3067\u3059", "\u5b9b\u5148\u306f[REDACTED:email]\u3067\u3059")]
    [InlineData("\u8054\u7cfbren\u00e9e@b\u00fccher.de\u8c22\u8c22", "\u8054\u7cfb[REDACTED:email]\u8c22\u8c22")]
    [InlineData("\u9023\u7d61\u306ftaro@\u4f8b\u3048.jp\u307e\u3067", "\u9023\u7d61\u306f[REDACTED:email]\u307e\u3067")]
    [InlineData("\u1795\u17d2\u1789\u17be\u1791\u17c5admin@example.org\u1794\u17b6\u1791", "\u1795\u17d2\u1789\u17be\u1791\u17c5[REDACTED:email]\u1794\u17b6\u1791")]
    [InlineData("\u0eaa\u0ebb\u0ec8\u0e87\u0eab\u0eb2info@example.la\u0ec1\u0e94\u0ec8", "\u0eaa\u0ebb\u0ec8\u0e87\u0eab\u0eb2[REDACTED:email]\u0ec1\u0e94\u0ec8")]
    [InlineData("\u1006\u1000\u103a\u101e\u103d\u101a\u103a\u101b\u1014\u103ainfo@example.mm\u101e\u102d\u102f\u1037", "\u1006\u1000\u103a\u101e\u103d\u101a\u103a\u101b\u1014\u103a[REDACTED:email]\u101e\u102d\u102f\u1037")]
    public void An_address_next_to_prose_of_a_script_written_without_spaces_is_redacted_alone(string input, string expected)
    {
        // Japanese, Chinese, Thai, Lao, Khmer and Myanmar are written without spaces between words: the letters before an
        // address of ASCII, Latin or Cyrillic letters, and those after its top-level name, are prose. The whole sentence
        // around such an address was replaced with it (お問い合わせはsupport@example.comまでお願いします。 became
        // [REDACTED:email]。), and redacted prose is lost to dreaming.
        Assert.Equal(expected, _redactor.Redact(input));
    }

    [Theory]
    [InlineData("\u5c71\u7530@\u4f8b\u3048.jp", "[REDACTED:email]")]
    [InlineData("\u304a\u554f\u3044\u5408\u308f\u305b\u306f\u5c71\u7530@\u4f8b\u3048.jp\u307e\u3067", "[REDACTED:email]\u307e\u3067")]
    [InlineData("\u9023\u7d61\u5148\uff1a\u5c71\u7530@\u4f8b\u3048.jp\u3002", "\u9023\u7d61\u5148\uff1a[REDACTED:email]\u3002")]
    [InlineData("\u9023\u7d61\u306f\u5c71\u7530.taro@\u4f8b\u3048.jp", "[REDACTED:email]")]
    [InlineData("\u8bf7\u8054\u7cfbyamada\u5c71\u7530@example.cn", "\u8bf7\u8054\u7cfb[REDACTED:email]")]
    [InlineData("\u0e2d\u0e35\u0e40\u0e21\u0e25 \u0e1c\u0e39\u0e49\u0e43\u0e0a\u0e49@\u0e15\u0e31\u0e27\u0e2d\u0e22\u0e48\u0e32\u0e07.\u0e44\u0e17\u0e22 \u0e04\u0e23\u0e31\u0e1a", "\u0e2d\u0e35\u0e40\u0e21\u0e25 [REDACTED:email] \u0e04\u0e23\u0e31\u0e1a")]
    [InlineData("\u8bf7\u53d1\u5230user@\u4f8b\u5b50.\u4e2d\u56fd\u8c22\u8c22", "\u8bf7\u53d1\u5230[REDACTED:email]")]
    public void An_address_of_a_script_written_without_spaces_is_redacted_with_the_run_of_its_letters(string input, string expected)
    {
        // Where the local part is itself of such a script, it cannot be told from the prose directly before it: the run
        // of letters before the '@' is taken whole (up to a space, punctuation such as '：' or a letter of another script
        // after one of those scripts), and so is a top-level name of such a script (.ไทย, .中国) with the letters after it.
        Assert.Equal(expected, _redactor.Redact(input));
    }

    [Theory]
    [InlineData("support@example.com\uc73c\ub85c \ubb38\uc758\ud558\uc138\uc694", "[REDACTED:email]\uc73c\ub85c \ubb38\uc758\ud558\uc138\uc694")]
    [InlineData("\uc5f0\ub77d\ucc98\ub294support@example.com", "\uc5f0\ub77d\ucc98\ub294[REDACTED:email]")]
    [InlineData("\ud64d\uae38\ub3d9@example.kr\uc5d0\uac8c", "[REDACTED:email]\uc5d0\uac8c")]
    [InlineData("\u8acb\u5bc4\u5230support@example.com\u311b", "\u8acb\u5bc4\u5230[REDACTED:email]\u311b")]
    [InlineData("\ud842\udfb7\u7530@example.jp", "[REDACTED:email]")]
    [InlineData("user@\ud842\udfb7\u91ce\u5bb6.jp", "[REDACTED:email]")]
    [InlineData("\u304a\u554f\u3044\u5408\u308f\u305b\u306f\ud842\udfb7\u7530@\u4f8b\u3048.jp\u307e\u3067", "[REDACTED:email]\u307e\u3067")]
    [InlineData("\u8acb\u806f\u7e6b\ud842\udfb7yamada@example.cn", "\u8acb\u806f\u7e6b\ud842\udfb7[REDACTED:email]")]
    public void An_address_next_to_hangul_bopomofo_or_han_beyond_the_bmp_is_redacted_as_next_to_other_unspaced_scripts(string input, string expected)
    {
        // A Korean particle follows an address directly (…com으로, …kr에게), and the prose before one may too (연락처는…):
        // Hangul was read as letters of a script with spaces, so the particle or the prose went with the address. So was
        // Bopomofo. Han beyond the BMP (𠮷, extension B) is a surrogate pair, which no class of letters holds: 𠮷田@ kept
        // its 𠮷 in the text, and an address whose domain starts with one (user@𠮷野家.jp) was not read at all.
        Assert.Equal(expected, _redactor.Redact(input));
    }

    [Theory]
    [InlineData("", "\u5c71a", "@example.com")]
    [InlineData("\u5c71", "a.\u5c71", "@")]
    [InlineData("x@", "\u5c71.a", "\u5c71")]
    [InlineData("", "\ud842\udfb7a", "@example.com")]
    [InlineData("x@", "\ud842\udfb7.", "!")]
    [InlineData("-", "\ud842\udfb7", "@")]
    [InlineData("\u5c71", "a.\ud842\udfb7", "@")]
    [InlineData("", "\uac00a", "@example.com")]
    [InlineData("x@", "password.", "!")]
    public void A_long_run_of_letters_with_and_without_spaces_in_an_address_is_scanned_in_linear_time(string before, string piece, string after)
    {
        // Each letter of a script with spaces after one of a script without them may start an address: the run from it is
        // read once, to the next such letter.
        AssertScannedLinearly(before, piece, after);
    }

    [Theory]
    [InlineData("write to alice\uff20example.com today", "write to [REDACTED:email] today")]
    [InlineData("\uff41\uff4c\uff49\uff43\uff45\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d", "[REDACTED:email]")]
    [InlineData("\u304a\u554f\u3044\u5408\u308f\u305b\u306fsupport\uff20example.com\u307e\u3067", "\u304a\u554f\u3044\u5408\u308f\u305b\u306f[REDACTED:email]\u307e\u3067")]
    [InlineData("bob\ufe6bexample.org", "[REDACTED:email]")]
    [InlineData("alice@example\uff0ecom", "[REDACTED:email]")]
    [InlineData("mail \ud83d\ude42@example.com now", "mail [REDACTED:email] now")]
    [InlineData("\ud83d\ude42@example.com", "[REDACTED:email]")]
    [InlineData("\u263a\ufe0f@example.com", "[REDACTED:email]")]
    [InlineData("to \ud83d\udc68\u200d\ud83d\udcbb.dev@example.com, please", "to [REDACTED:email], please")]
    [InlineData("to love\u2764\ufe0fjos\u00e9@example.com", "to [REDACTED:email]")]
    [InlineData("\u9023\u7d61\u306f\ud83d\ude42@example.jp\u307e\u3067", "\u9023\u7d61\u306f[REDACTED:email]\u307e\u3067")]
    [InlineData("mail jos\u00e9@example.com", "mail [REDACTED:email]")]
    [InlineData("bob\ufe6bexample\ufe52org ok", "[REDACTED:email] ok")]
    [InlineData("Thanks\ud83d\ude42@example.com", "[REDACTED:email]")]
    [InlineData("\uff59\uff41\uff4d\uff41\uff44\uff41\uff0e\uff54\uff41\uff52\uff4f\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff0e\uff4a\uff50", "[REDACTED:email]")]
    [InlineData("\u30e1\u30fc\u30eb\u306f\uff41\uff4c\uff49\uff43\uff45\uff0e\uff53\uff4d\uff49\uff54\uff48\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d\u307e\u3067", "\u30e1\u30fc\u30eb\u306f[REDACTED:email]\u307e\u3067")]
    [InlineData("\uff41\uff4c\uff49\uff43\uff45\uff3f\uff53\uff4d\uff49\uff54\uff48\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d", "[REDACTED:email]")]
    [InlineData("to \uff41\uff4c\uff49\uff43\uff45\uff0b\uff54\uff41\uff47\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d", "to [REDACTED:email]")]
    [InlineData("\uff4d\uff41\uff49\uff4c\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0d\uff53\uff48\uff4f\uff50\uff0e\uff43\uff4f\uff4d", "[REDACTED:email]")]
    public void An_address_with_a_fullwidth_at_sign_or_an_emoji_in_its_local_part_is_redacted(string input, string expected)
    {
        // RFC 6531 allows any character beyond ASCII in a local part, emoji included (🙂@example.com), and an IME typing
        // in full width writes ＠ (U+FF20) and ． (U+FF0E), which Unicode's compatibility normalisation folds to @ and .
        // (as it does the small ﹫, U+FE6B): a reader, and a model, take alice＠example.com for the address. Both were
        // left whole in the text.
        Assert.Equal(expected, _redactor.Redact(input));
    }

    [Theory]
    [InlineData("@Override public String toString()")]
    [InlineData("class A { @Override void run() {} } // x@y")]
    [InlineData("@app.route(\"/\")\ndef index(): pass")]
    [InlineData("thanks @alice and \ud83d\ude42 @bob")]
    [InlineData("great work \ud83c\udf89@alice")]
    [InlineData("\u2764\ufe0f @alice.")]
    [InlineData("2 items @ $5.00, 3\uff20\u00a51,200 each")]
    [InlineData("price: 10@1.50 \u20ac, 4 @ \u00a32.99")]
    [InlineData("\ud83d\ude42\uff20\uff20 @@ \uff20 \ufe6b")]
    [InlineData("int[] a = {1,2}; a@b; x\uff20y")]
    [InlineData("see #W123 \u2192 @support")]
    public void An_at_sign_that_starts_no_address_is_kept_whatever_its_width_or_what_precedes_it(string input) =>
        Assert.Equal(input, _redactor.Redact(input));

    [Theory]
    [InlineData("\u9023\u7d61\u5148\u306fuser@example.com\uff0e\u6b21\u306b\u9032\u307f\u307e\u3059\uff0e\u305d\u308c\u304b\u3089\u623b\u308a\u307e\u3059\uff0c\u3088\u308d\u3057\u304f", "\u9023\u7d61\u5148\u306f[REDACTED:email]\uff0e\u6b21\u306b\u9032\u307f\u307e\u3059\uff0e\u305d\u308c\u304b\u3089\u623b\u308a\u307e\u3059\uff0c\u3088\u308d\u3057\u304f")]
    [InlineData("\uff41\uff4c\uff49\uff43\uff45\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d\uff0e\u6b21\u306b", "[REDACTED:email]\uff0e\u6b21\u306b")]
    [InlineData("\u4ee5\u4e0a\u3067\u3059\uff0e\uff53\uff55\uff50\uff50\uff4f\uff52\uff54\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d\u307e\u3067", "\u4ee5\u4e0a\u3067\u3059\uff0e[REDACTED:email]\u307e\u3067")]
    [InlineData("\u308a\u3093\u30543\u500b\uff20100\u5186\uff0e\u6b21\u306b", "\u308a\u3093\u30543\u500b\uff20100\u5186\uff0e\u6b21\u306b")]
    [InlineData("user@example\uff0e\u6b21\u306b", "user@example\uff0e\u6b21\u306b")]
    public void A_fullwidth_full_stop_before_prose_of_unspaced_scripts_is_not_a_dot_of_the_address(string input, string expected)
    {
        // The fullwidth ． is the full stop of Japanese written in the academic style. Read as a dot of the domain, the
        // sentences after an address, each joined to the next by one, were taken for its labels and redacted with it
        // (連絡先は[REDACTED:email]，よろしく), as was a price written with ＠ (りんご3個＠100円．次に); and read as a dot of
        // the local part after such prose, the sentence before a full-width address was.
        Assert.Equal(expected, _redactor.Redact(input));
    }

    [Theory]
    [InlineData("", "\uff41\uff0e", "\uff20x")]
    [InlineData("", "\u3067\u3059\uff0e", "\uff20x")]
    [InlineData("", "\u6b21\uff0e\uff41", "\uff20")]
    [InlineData("x\uff20", "\uff41\uff0d\uff0e", "1")]
    [InlineData("", "\ud83d\ude42", "@example.com")]
    [InlineData("", "\ud83d\ude42", "@")]
    [InlineData("x\uff20", "\u00fc.", "!")]
    [InlineData("", "\u263a", "\uff20")]
    [InlineData("", "a\u200d", "@example.com")]
    public void A_long_run_of_emoji_or_fullwidth_at_signs_is_scanned_in_linear_time(string before, string piece, string after)
    {
        AssertScannedLinearly(before, piece, after);
    }
}
