using Xunit.Abstractions;

namespace Dreaming.Tests;

public class SecretPatternRedactorTests(ITestOutputHelper output)
{
    private readonly SecretPatternRedactor _redactor = new();

    [Theory]
    [InlineData("key sk-proj-AbCdEf0123456789xyzXYZ done", "key [REDACTED:api-key] done")]
    [InlineData("sk-ant-api03-abcdefghijklmnopqrstuv", "[REDACTED:api-key]")]
    [InlineData("token ghp_abcdefghijklmnopqrstuvwxyz0123456789", "token [REDACTED:api-key]")]
    [InlineData("aws AKIAIOSFODNN7EXAMPLE", "aws [REDACTED:api-key]")]
    [InlineData("Authorization: Bearer abc.def-ghi_jkl~123", "Authorization: Bearer [REDACTED:bearer]")]
    [InlineData("authorization: bearer 0123456789abcdef==", "authorization: bearer [REDACTED:bearer]")]
    [InlineData("Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: Basic [REDACTED:basic]")]
    [InlineData("Server=db;User Id=sa;Password=Hunter2!;Encrypt=true", "Server=db;User Id=sa;Password=[REDACTED:password];Encrypt=true")]
    [InlineData("Host=pg;Pwd='s3cr;et';", "Host=pg;Pwd=[REDACTED:password];")]
    [InlineData("postgres://admin:topsecret@db.internal:5432/app", "postgres://admin:[REDACTED:password]@db.internal:5432/app")]
    [InlineData("{\"user\":\"x\",\"password\":\"p@ss\"}", "{\"user\":\"x\",\"password\":\"[REDACTED:secret]\"}")]
    [InlineData("{\"api_key\": \"abc123\"}", "{\"api_key\": \"[REDACTED:secret]\"}")]
    [InlineData("mail jane.doe+tag@example.co.uk now", "mail [REDACTED:email] now")]
    [InlineData("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "jwt [REDACTED:jwt]")]
    public void Redacts_each_kind_of_secret_and_keeps_the_label(string input, string expected) =>
        Assert.Equal(expected, _redactor.Redact(input));

    [Theory]
    [InlineData("Send Bearer mia.li.long@example.com now.", "Send Bearer [REDACTED:bearer] now.")]
    [InlineData("Authorization: Bearer abc123def456@example.com", "Authorization: Bearer [REDACTED:bearer]")]
    [InlineData("Authorization: Bearer abc123def456\uFF20example.com, then", "Authorization: Bearer [REDACTED:bearer], then")]
    [InlineData("\"Authorization\": \"Bearer abc123def456@b\u00fccher.de\"", "\"Authorization\": \"Bearer [REDACTED:bearer]\"")]
    [InlineData("Bearer abcdefgh1234@x@y; next", "Bearer [REDACTED:bearer]; next")]
    public void A_bearer_token_holding_an_at_sign_is_redacted_whole(string input, string expected)
    {
        // The credential of "Authorization: Bearer …" is the whole value up to white space (as ASP.NET Core's HTTP
        // logging redacts the header's value whole); the token stopped at the '@', so the rest of it, an address's
        // domain, was left in the text ("Bearer [REDACTED:bearer]@example.com").
        Assert.Equal(expected, _redactor.Redact(input));
    }

    [Theory]
    [InlineData("{\"body\":\"{\\\"Authorization\\\":\\\"Bearer abc123def456@example.com\\\"}\"}", "{\"body\":\"{\\\"Authorization\\\":\\\"Bearer [REDACTED:bearer]\\\"}\"}")]
    [InlineData("(Authorization: Bearer abc123def456@example.com)", "(Authorization: Bearer [REDACTED:bearer])")]
    [InlineData("headers={Authorization=Bearer abc123def456@example.com}", "headers={Authorization=Bearer [REDACTED:bearer]}")]
    [InlineData("[Bearer abc123def456@example.com]", "[Bearer [REDACTED:bearer]]")]
    [InlineData("Set `Bearer abc123def456@example.com` first.", "Set `Bearer [REDACTED:bearer]` first.")]
    [InlineData("\u30c8\u30fc\u30af\u30f3\u306f Bearer abc123def456@example.com\u3067\u3059\u3002\u6b21\u306b\u9032\u307f\u307e\u3059\u3002", "\u30c8\u30fc\u30af\u30f3\u306f Bearer [REDACTED:bearer]\u3067\u3059\u3002\u6b21\u306b\u9032\u307f\u307e\u3059\u3002")]
    [InlineData("\u4ee4\u724c Bearer abc123def456@example.com\uff0c\u8bf7\u52ff\u6cc4\u9732\u3002", "\u4ee4\u724c Bearer [REDACTED:bearer]\uff0c\u8bf7\u52ff\u6cc4\u9732\u3002")]
    [InlineData("Bearer abc123def456@\u4f8b\u3048.jp\u3067\u3059\u3002", "Bearer [REDACTED:bearer]\u3067\u3059\u3002")]
    public void A_bearer_token_run_on_through_an_at_sign_ends_where_the_credential_does(string input, string expected)
    {
        // Read on to any character but white space, a quote, '<', '>', ',' or ';', the token took the backslash of an
        // escaped quote (a JSON string in a JSON string: the stored text was no longer JSON), a closing bracket or a
        // backtick, and prose written without spaces to the next space (the Japanese sentences after the address).
        var redacted = _redactor.Redact(input);

        Assert.Equal(expected, redacted);
        if (input.StartsWith('{'))
        {
            using var json = System.Text.Json.JsonDocument.Parse(redacted);
        }
    }

    [Theory]
    [InlineData("Bearer abcdefgh@", "a.", "!")]
    [InlineData("", "Bearer abcdefgh@x ", "")]
    [InlineData("", "bearer ", "abcdefgh@x")]
    public void A_long_bearer_token_run_on_through_an_at_sign_is_scanned_in_linear_time(string before, string piece, string after)
    {
        Growth.AssertLinear(
            n =>
            {
                var hostile = before + string.Concat(Enumerable.Repeat(piece, 6_250 * n)) + after;
                return () => !_redactor.Redact(hostile).StartsWith("[REDACTED:unscanned", StringComparison.Ordinal);
            },
            1,
            $"\"{before}\", a run of \"{piece}\" and \"{after}\"",
            output);
    }

    [Theory]
    [InlineData("The task is done; refund $12.50 for order #W123.")]
    [InlineData("Use the sk- prefix for keys")]
    [InlineData("bearer of bad news")]
    [InlineData("password policy: at least 12 characters")]
    [InlineData("")]
    public void Leaves_ordinary_text_alone(string text) => Assert.Same(text, _redactor.Redact(text));

    [Fact]
    public void Hostile_input_finishes_quickly()
    {
        // An e-mail-like run (a long local part, then a long dotted domain with no top-level name): linear in its length,
        // measured in the thread's CPU time at 1/16 and 1/4 of 200,000 + 100,000 characters, not against the wall clock,
        // which a loaded machine stretches (see Growth). A scan that timed out (2 s of wall clock) is tried again.
        var (_, large) = Growth.AssertLinear(
            n =>
            {
                var hostile = new string('a', 200_000 * n / 16) + "@" + string.Concat(Enumerable.Repeat("b.", 50_000 * n / 16)) + "!";
                return () => !_redactor.Redact(hostile).StartsWith("[REDACTED:unscanned", StringComparison.Ordinal);
            },
            1,
            "an e-mail-like run",
            output);
        Assert.True(large < TimeSpan.FromMilliseconds(500), $"a quarter of the input took {large}");
    }

    [Theory]
    [InlineData("x@")]
    [InlineData("x:")]
    public void A_long_dotted_run_after_an_at_sign_or_a_colon_is_scanned_in_linear_time(string before)
    {
        // Each letter of "b.b.b…" starts a word: the e-mail's local part and a URL's scheme were each read from there to
        // the end of the run, looking for the '@' or "://" after it, so the scan was quadratic (400 ms of CPU for
        // 100,000 characters; a text four times as long met the 2 s timeout and was replaced whole, on any machine).
        Growth.AssertLinear(
            n =>
            {
                var hostile = before + string.Concat(Enumerable.Repeat("b.", 6_250 * n)) + "!";
                return () => !_redactor.Redact(hostile).StartsWith("[REDACTED:unscanned", StringComparison.Ordinal);
            },
            1,
            $"\"{before}\" and a dotted run",
            output);
        Assert.Equal("Contact [REDACTED:email] or https://user:[REDACTED:password]@host.", _redactor.Redact("Contact a.b@c.de or https://user:pw@host."));
    }

    [Theory]
    [InlineData("\u00e9", "@example.com")]
    [InlineData("\u00e9", "://user:pw@host")]
    [InlineData("x.", "@")]
    [InlineData("x+", "://user:pw")]
    public void A_long_run_of_address_or_scheme_characters_is_scanned_in_linear_time(string before, string after)
    {
        // The run is read once from its start (a letter after '\u00e9' starts no word: it is looked for to the end of the
        // run), not once from each of its words.
        Growth.AssertLinear(
            n =>
            {
                var hostile = before + new string('a', 12_500 * n) + after;
                return () => !_redactor.Redact(hostile).StartsWith("[REDACTED:unscanned", StringComparison.Ordinal);
            },
            1,
            $"\"{before}\", a run of letters and \"{after}\"",
            output);
    }

    public static TheoryData<string, string> LongerThanTheStandards() => new()
    {
        // A reply-by-email address: its token makes the local part longer than RFC 5321's 64 characters, which mail
        // servers accept; and the token is the secret of the address.
        { $"from reply+{new string('K', 90)}@reply.github.com today", "from [REDACTED:email] today" },
        { $"to {new string('k', 70)}@example.com", "to [REDACTED:email]" },
        // A long dotted local part: none of it is kept.
        { $"mail {string.Join('.', Enumerable.Repeat("ab", 70))}@example.com now", "mail [REDACTED:email] now" },
        { $"mail -{string.Join('-', Enumerable.Repeat("ab", 40))}@example.com", "mail -[REDACTED:email]" },
        // A URL scheme longer than 32 characters, with and without a dot, keeps no password.
        { $"{new string('s', 40)}://admin:topsecret@db:5432/app", $"{new string('s', 40)}://admin:[REDACTED:password]@db:5432/app" },
        { "com.example.app-1234567890123456789012345678901234://admin:topsecret@host", "com.example.app-1234567890123456789012345678901234://admin:[REDACTED:password]@host" },
    };

    [Theory]
    [MemberData(nameof(LongerThanTheStandards))]
    public void An_address_or_a_url_longer_than_its_standard_allows_is_still_redacted_in_full(string input, string expected) =>
        Assert.Equal(expected, _redactor.Redact(input));

    [Theory]
    [InlineData("mail ren\u00e9e@x.com now", "mail [REDACTED:email] now")]
    [InlineData("user@b\u00fccher.de", "[REDACTED:email]")]
    [InlineData("to Fran\u00e7ois.M\u00fcller@exam-ple.de, please", "to [REDACTED:email], please")]
    [InlineData("rene\u0301e@exa\u0308mple.com", "[REDACTED:email]")]
    [InlineData("write \u5c71\u7530@\u4f8b\u3048.jp", "write [REDACTED:email]")]
    [InlineData("\u043f\u043e\u0447\u0442\u0430@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444 ok", "[REDACTED:email] ok")]
    [InlineData("\u00e9.x@y.com", "[REDACTED:email]")]
    public void An_address_with_letters_beyond_ascii_in_its_local_part_or_domain_is_redacted_whole(string input, string expected)
    {
        // RFC 6531 addresses: a name with an accent (renée@, precomposed or with a combining mark), a domain of an
        // internationalised name (bücher.de, пример.рф), a name in another script. The ASCII classes of the pattern left
        // them whole in the text, or redacted only what followed the last letter beyond ASCII (the ".x@y.com" of é.x@y.com).
        Assert.Equal(expected, _redactor.Redact(input));
    }

    [Theory]
    [InlineData("\u00fc@\u00e9.AccountKey=abc;", "[REDACTED:email].AccountKey=[REDACTED:key];")]
    [InlineData("Z@\u00e9.sk-abcdefghijklmnop1234", "[REDACTED:email].[REDACTED:api-key]")]
    [InlineData("x@\u00e9.https://admin:pw@host", "[REDACTED:email].https://admin:[REDACTED:password]@host")]
    [InlineData("x@\u00e9.Bearer abcdefgh12345", "[REDACTED:email].Bearer [REDACTED:bearer]")]
    [InlineData("Z@\u00e9.xoxb-1234567890ab", "[REDACTED:email].[REDACTED:api-key]")]
    public void A_secret_whose_label_follows_an_at_sign_and_letters_beyond_ascii_is_redacted_as_before(string input, string expected)
    {
        // The wider classes would read an address whose top-level name is the secret's label and leave the secret after it:
        // the secret is redacted, and what precedes the dot is redacted as an address (it may be one: see
        // A_real_address_run_into_what_reads_as_a_key_is_not_left_in_the_text).
        Assert.Equal(expected, _redactor.Redact(input));
    }

    [Theory]
    [InlineData("x@y.sk-abc123def456ghi789jkl", "[REDACTED:email].[REDACTED:api-key]")]
    [InlineData("x@y.AccountKey=zzz", "[REDACTED:email].AccountKey=[REDACTED:key]")]
    [InlineData("ops@example.com.sk-proj-abcdefghijklmnop1234", "[REDACTED:email].[REDACTED:api-key]")]
    [InlineData("x@y.Bearer abcdefgh12345", "[REDACTED:email].Bearer [REDACTED:bearer]")]
    [InlineData("x@y.https://admin:pw@host", "[REDACTED:email].https://admin:[REDACTED:password]@host")]
    [InlineData("Z@y.xoxb-1234567890ab", "[REDACTED:email].[REDACTED:api-key]")]
    [InlineData("bob@corp.io.password=hunter2", "[REDACTED:email].password=[REDACTED:password]")]
    [InlineData("books@firm.accountants ok", "[REDACTED:email] ok")]
    public void A_secret_run_into_an_ascii_address_after_its_last_dot_is_redacted(string input, string expected)
    {
        // The address of ASCII letters took the secret's label or the start of its key for its top-level name
        // (x@y.sk-…, x@y.AccountKey=…), so the secret's own alternative never ran there and the rest of the key was left
        // in the text. Its top-level name now may not be one, as an address with letters beyond ASCII already could not;
        // a name that only holds such a word (.accountants) is still one.
        Assert.Equal(expected, _redactor.Redact(input));
    }

    [Theory]
    [InlineData("jan@firma.sk-----------------------", "[REDACTED:email].[REDACTED:api-key]")]
    [InlineData("Kontakt: jan.novak@obec-hlohovec.sk--------------------------", "Kontakt: [REDACTED:email].[REDACTED:api-key]")]
    [InlineData("nap\u00ed\u0161te na info@mestskyurad.sk-bratislava-centrum", "nap\u00ed\u0161te na [REDACTED:email].[REDACTED:api-key]")]
    [InlineData("ren\u00e9e@firma.sk-----------------------", "[REDACTED:email].[REDACTED:api-key]")]
    [InlineData("admin@example.com://x", "[REDACTED:email].com://x")]
    public void A_real_address_run_into_what_reads_as_a_key_is_not_left_in_the_text(string input, string expected)
    {
        // .sk is Slovakia's top-level name, and "sk-" and 16 letters, digits or dashes (a rule of dashes, a hyphenated
        // word) read as a key: the top-level name was refused as one that starts a key, and the address was left in
        // the text but for it (jan@firma.[REDACTED:api-key]), where the previous pattern redacted it.
        Assert.Equal(expected, _redactor.Redact(input));
    }

    [Theory]
    [InlineData("die ren\u00e9e@mail.de-Adresse", "die [REDACTED:email]-Adresse")]
    [InlineData("see docs@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444-instructions", "see [REDACTED:email]-instructions")]
    [InlineData("j\u00f6rg@b\u00fccher.de-", "[REDACTED:email]-")]
    public void An_address_with_letters_beyond_ascii_followed_by_a_hyphen_is_redacted_as_one_of_ascii_is(string input, string expected)
    {
        // Any '-' after the top-level name kept the address whole (docs@пример.рф-instructions, renée@mail.de-Adresse),
        // where docs@example.com-instructions is redacted: only a top-level name that starts a key (x@é.sk-…, x@é.xoxb-…)
        // is another secret's.
        Assert.Equal(expected, _redactor.Redact(input));
    }

    [Theory]
    [InlineData("\u00e9", "@b\u00fccher.de")]
    [InlineData("x@", ".\u00fc")]
    public void A_long_run_of_letters_beyond_ascii_in_an_address_is_scanned_in_linear_time(string before, string after)
    {
        Growth.AssertLinear(
            n =>
            {
                var hostile = before + string.Concat(Enumerable.Repeat("\u00fc.", 6_250 * n)) + after;
                return () => !_redactor.Redact(hostile).StartsWith("[REDACTED:unscanned", StringComparison.Ordinal);
            },
            1,
            $"\"{before}\", a dotted run of \u00fc and \"{after}\"",
            output);
    }

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
        Growth.AssertLinear(
            n =>
            {
                var hostile = before + string.Concat(Enumerable.Repeat(piece, 6_250 * n)) + after;
                return () => !_redactor.Redact(hostile).StartsWith("[REDACTED:unscanned", StringComparison.Ordinal);
            },
            1,
            $"\"{before}\", a run of \"{piece}\" and \"{after}\"",
            output);
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
        Growth.AssertLinear(
            n =>
            {
                var hostile = before + string.Concat(Enumerable.Repeat(piece, 6_250 * n)) + after;
                return () => !_redactor.Redact(hostile).StartsWith("[REDACTED:unscanned", StringComparison.Ordinal);
            },
            1,
            $"\"{before}\", a run of \"{piece}\" and \"{after}\"",
            output);
    }

    [Fact]
    public void A_value_redactor_chooses_the_replacement()
    {
        var redactor = new SecretPatternRedactor(new HashingRedactor());
        var result = redactor.Redact("Password=abc;");
        Assert.Equal("Password=<h:3>;", result);
    }

    private sealed class HashingRedactor : Microsoft.Extensions.Compliance.Redaction.Redactor
    {
        public override int GetRedactedLength(ReadOnlySpan<char> input) => $"<h:{input.Length}>".Length;

        public override int Redact(ReadOnlySpan<char> source, Span<char> destination)
        {
            var text = $"<h:{source.Length}>";
            text.AsSpan().CopyTo(destination);
            return text.Length;
        }
    }
}
