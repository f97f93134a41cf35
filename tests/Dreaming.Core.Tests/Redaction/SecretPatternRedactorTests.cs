using Xunit.Abstractions;

namespace Dreaming.Tests;

public partial class SecretPatternRedactorTests(ITestOutputHelper output)
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
        AssertScannedLinearly(before, piece, after);
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
        AssertScannedLinearly(before, "\u00fc.", after);
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

    /// <summary>Asserts that redacting <paramref name="before"/>, 6,250·n copies of <paramref name="piece"/> and
    /// <paramref name="after"/> costs time linear in n, and that the text is scanned, not given up on.</summary>
    private void AssertScannedLinearly(string before, string piece, string after) =>
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
