namespace Dreaming.Core.Tests.Dreams.Mining;

public sealed class ErrorSignatureTests
{
    [Theory]
    [InlineData("Error: flight HAT030 not available on date 2024-05-13", "Error: flight <id> not available on date <date>")]
    [InlineData("Error: payment amount does not add up, total price is 1203, but paid 833", "Error: payment amount does not add up, total price is <num>, but paid <num>")]
    [InlineData("Error: payment method certificate_7504069 not found", "Error: payment method <id> not found")]
    [InlineData("Could not find file '/tmp/build/out.txt'", "Could not find file <str>")]
    [InlineData("open /var/lib/app/data.db: permission denied", "open <path>: permission denied")]
    [InlineData(@"C:\Users\bob\app.config is locked", "<path> is locked")]
    [InlineData("wrote src/Orders/Order.cs with errors", "wrote <path> with errors")]
    [InlineData("User john.doe@example.com not found (id 3f2b8c1e-9a4d-4e7b-8c2a-1b2c3d4e5f60)", "User <email> not found (id <id>)")]
    [InlineData("Charge of $1,250.00 declined at 2024-05-13T10:22:01Z", "Charge of <amount> declined at <date>")]
    [InlineData("Refund of 99.90 EUR rejected on 13/05/2024 at 10:22", "Refund of <amount> rejected on <date> at <time>")]
    [InlineData("GET https://api.example.com/v1/orders/991 returned 404", "GET <url> returned <num>")]
    [InlineData("connect ECONNREFUSED 10.0.0.5:5432", "connect ECONNREFUSED <ip>")]
    [InlineData("ORA-00942: table or view does not exist", "<id>: table or view does not exist")]
    [InlineData("commit 9fceb02d0ae598e95dc970b74767f19372d61af8 not found", "commit <id> not found")]
    [InlineData("can't parse \"abc\" as int", "can't parse <str> as int")]
    [InlineData("can't parse 'abc' as int", "can't parse <str> as int")]
    [InlineData("missing ids 4, 8, 15 and 16", "missing ids <num> and <num>")]
    [InlineData("  too   many\tspaces  ", "too many spaces")]
    [InlineData("utf8 decode failed", "utf8 decode failed")]
    [InlineData("upload of 2GB failed after 30s (5% done)", "upload of <num> failed after <num> (<num> done)")]
    public void Normalize_replaces_variable_parts_with_placeholders(string text, string expected) =>
        Assert.Equal(expected, ErrorSignature.Normalize(text));

    [Fact]
    public void A_bearer_token_run_on_through_an_address_ends_at_its_closing_bracket_in_the_signature() =>
        // The redactor's span of the token, which the signature takes for an address, took the bracket after it.
        Assert.Equal("Token rejected (Bearer <email>) at <time>", ErrorSignature.Normalize("Token rejected (Bearer abc123def456@example.com) at 10:22"));

    [Theory]
    [InlineData("User ｍｉａ．ｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ not found", "User <email> not found")] // fullwidth at sign and dots
    [InlineData("User mia﹫example.com not found", "User <email> not found")] // small at sign
    [InlineData("User 🙂@example.com not found", "User <email> not found")] // an emoji local part
    [InlineData("User 👨‍💻@example.com not found", "User <email> not found")] // an emoji sequence with a joiner
    [InlineData("Mail to \"ｍｉａ＠ｅｘａｍｐｌｅ．ｃｏｍ\" bounced at 10:22", "Mail to <str> bounced at <time>")] // quoted: a string, as before
    [InlineData("GET https://example.com/?to=mia﹫example.com returned 404", "GET <url> returned <num>")] // in a URL: the URL
    public void An_address_the_redactor_redacts_is_an_email_in_the_signature(string text, string expected)
    {
        // The signature of a finding is shown to reviewers and webhooks: an address the redactor would redact is not in it.
        Assert.Equal(expected, ErrorSignature.Normalize(text));
        Assert.Contains("[REDACTED:email]", new SecretPatternRedactor().Redact(text), StringComparison.Ordinal);
    }

    [Fact]
    public void Different_values_of_the_same_error_get_the_same_signature()
    {
        var first = ErrorSignature.Normalize("Error: not enough seats on flight HAT290 for 3 passengers");
        var second = ErrorSignature.Normalize("Error: not enough seats on flight HAT139 for 1 passengers");

        Assert.Equal(first, second);
        Assert.NotEqual(first, ErrorSignature.Normalize("Error: gift card balance is not enough"));
    }

    [Fact]
    public void A_booking_reference_with_one_digit_is_an_id_like_one_with_more()
    {
        // τ-bench airline reservation ids are six capitals and digits; about a third of them have a single digit.
        var oneDigit = ErrorSignature.Normalize("Error: reservation XEWRD9 not found");
        var threeDigits = ErrorSignature.Normalize("Error: reservation 4OG6T3 not found");

        Assert.Equal("Error: reservation <id> not found", oneDigit);
        Assert.Equal(threeDigits, oneDigit);
        Assert.Equal("Error: reservation <id> not found", ErrorSignature.Normalize("Error: reservation 7ABCDE not found"));

        // Shorter or lower-case words with one digit, and capitals without a digit, stay words.
        Assert.Equal("IPV6 disabled, utf8 decode failed after HTTP2 upgrade: ENOENT", ErrorSignature.Normalize("IPV6 disabled, utf8 decode failed after HTTP2 upgrade: ENOENT"));
    }

    [Fact]
    public void The_signature_comes_from_the_line_that_carries_the_error_not_the_first()
    {
        const string output = """
            Running migrations for tenant 42
            Applying 0001_initial... OK
            psql: error: connection to server at "db.internal" (10.0.0.5), port 5432 failed: Connection refused
            	Is the server running on that host and accepting TCP/IP connections?
            """;

        Assert.Equal("""psql: error: connection to server at "db.internal" (10.0.0.5), port 5432 failed: Connection refused""", ErrorSignature.SelectErrorLine(output));
        Assert.Equal("psql: error: connection to server at <str> (<ip>), port <num> failed: Connection refused", ErrorSignature.Normalize(output));
    }

    [Fact]
    public void A_python_traceback_is_signed_by_its_final_exception_line()
    {
        const string traceback = """
            Traceback (most recent call last):
              File "/app/tools/refund.py", line 42, in refund
                amount = parse_amount(raw)
              File "/app/tools/money.py", line 7, in parse_amount
                raise ValueError(f"invalid amount: {raw!r}")
            ValueError: invalid amount: '12,50 EUR'
            """;

        Assert.Equal("ValueError: invalid amount: <str>", ErrorSignature.Normalize(traceback));
    }

    [Fact]
    public void A_chained_python_traceback_is_signed_by_the_exception_raised_last()
    {
        const string traceback = """
            Traceback (most recent call last):
              File "app.py", line 3, in <module>
            KeyError: 'user_id'

            During handling of the above exception, another exception occurred:

            Traceback (most recent call last):
              File "app.py", line 5, in <module>
            RuntimeError: session 77 has no user
            Process exited with code 1
            """;

        Assert.Equal("RuntimeError: session <num> has no user", ErrorSignature.Normalize(traceback));
    }

    [Fact]
    public void A_dotnet_exception_is_signed_by_its_message_not_its_frames()
    {
        const string exception = """
            System.InvalidOperationException: Sequence contains no elements
               at System.Linq.ThrowHelper.ThrowNoElementsException()
               at Orders.Find(Int32 id) in /src/Orders.cs:line 88
            """;

        Assert.Equal("System.InvalidOperationException: Sequence contains no elements", ErrorSignature.Normalize(exception));
    }

    [Fact]
    public void Build_output_is_signed_by_the_compiler_error_rather_than_the_summary()
    {
        const string output = """
            Build FAILED.
            /src/Foo.cs(12,5): error CS1002: ; expected
                0 Warning(s)
                1 Error(s)
            """;

        Assert.Equal("<path>(<num>): error <id>: ; expected", ErrorSignature.Normalize(output));
    }

    [Fact]
    public void Output_without_error_words_is_signed_by_its_first_line()
    {
        Assert.Equal("step <num> of <num>", ErrorSignature.Normalize("\n  step 1 of 3\nstep 2 of 3\n"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \n \t ")]
    public void Blank_text_has_the_empty_signature(string? text) => Assert.Equal(ErrorSignature.Empty, ErrorSignature.Normalize(text));

    [Fact]
    public void Long_lines_are_cut_to_the_maximum_length()
    {
        var signature = ErrorSignature.Normalize("failed: " + new string('x', 5000));

        Assert.Equal(ErrorSignature.MaxLength, signature.Length);
        Assert.EndsWith("…", signature, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_line_is_never_cut_between_the_two_halves_of_a_character()
    {
        const string Emoji = "\U0001F600";

        // The signature is cut at 239 characters: "failed: " and 115.5 emoji.
        var signature = ErrorSignature.Normalize("failed: " + string.Concat(Enumerable.Repeat(Emoji, 1000)));
        Dreaming.Tests.Utf16.AssertWellFormed(signature);
        Assert.EndsWith("…", signature, StringComparison.Ordinal);
        Assert.True(signature.Length <= ErrorSignature.MaxLength);

        // The line is read up to 960 characters, which here end in the middle of the emoji; the numbers before it collapse.
        var collapsed = ErrorSignature.Normalize("failed:" + string.Concat(Enumerable.Repeat(" 1", 476)) + Emoji + " after");
        Dreaming.Tests.Utf16.AssertWellFormed(collapsed);
        Assert.Equal("failed: <num>", collapsed);
    }
}
