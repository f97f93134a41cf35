using System.Text.Json;

namespace Dreaming.Tests;

/// <summary>Values in JSON-escaped text (a quote escaped as <c>\"</c>, JSON in a JSON string), and what follows a value
/// after <c>&amp;</c> or <c>|</c>.</summary>
public partial class SecretPatternRedactorTests
{
    [Theory]
    [InlineData("{\"cmd\":\"psql \\\"Host=db;Password=hunter2\\\"\"}", "{\"cmd\":\"psql \\\"Host=db;Password=[REDACTED:password]\\\"\"}")]
    [InlineData("{\"cs\":\"Password=\\\"p;w\\\";Host=db\"}", "{\"cs\":\"Password=[REDACTED:password];Host=db\"}")]
    [InlineData("{\"cs\":\"Pwd=a\\\\b;Host=db\"}", "{\"cs\":\"Pwd=[REDACTED:password];Host=db\"}")]
    [InlineData("{\"cs\":\"Pwd=ab\\\\\"}", "{\"cs\":\"Pwd=[REDACTED:password]\"}")]
    [InlineData("{\"cmd\":\"az storage --connection-string \\\"AccountKey=abc123==\\\"\"}", "{\"cmd\":\"az storage --connection-string \\\"AccountKey=[REDACTED:key]\\\"\"}")]
    [InlineData("{\"cmd\":\"curl \\\"https://x/?sv=1&sig=abc%2B\\\"\"}", "{\"cmd\":\"curl \\\"https://x/?sv=1&sig=[REDACTED:signature]\\\"\"}")]
    [InlineData("{\"cmd\":\"curl \\\"https://x/?api_key=abc123\\\"\"}", "{\"cmd\":\"curl \\\"https://x/?api_key=[REDACTED:api-key]\\\"\"}")]
    [InlineData("{\"env\":\"export CLIENT_SECRET=\\\"s3cr3t\\\"\"}", "{\"env\":\"export CLIENT_SECRET=[REDACTED:secret]\"}")]
    [InlineData("{\"env\":\"AWS_SESSION_TOKEN=FwoGZXIvYXdz\\\" next\"}", "{\"env\":\"AWS_SESSION_TOKEN=[REDACTED:secret]\\\" next\"}")]
    [InlineData("{\"h\":\"x-api-key: \\\"0123456789abcdef0123\\\"\"}", "{\"h\":\"x-api-key: [REDACTED:api-key]\"}")]
    [InlineData("{\"password\":\"ab\\\"cd\",\"user\":\"x\"}", "{\"password\":\"[REDACTED:secret]\",\"user\":\"x\"}")]
    [InlineData("{\"url\":\"http://host:8080\",\"email\":\"a@b.com\"}", "{\"url\":\"http://host:8080\",\"email\":\"[REDACTED:email]\"}")]
    [InlineData("{\"body\":\"{\\\"password\\\":\\\"hunter2\\\"}\"}", "{\"body\":\"{\\\"password\\\":\\\"[REDACTED:secret]\\\"}\"}")]
    [InlineData("{\"body\":\"{\\\"api_key\\\": \\\"ab\\\\\\\"c\\\\\\\\d\\\"}\"}", "{\"body\":\"{\\\"api_key\\\": \\\"[REDACTED:secret]\\\"}\"}")]
    public void A_secret_in_json_escaped_text_is_redacted_and_the_json_stays_json(string input, string expected)
    {
        // An unquoted value took the backslash of an escaped quote after it ("hunter2\), or was only that backslash
        // (Password=\"p;w\" kept p;w); a JSON value stopped at its escaped quote (ab\"cd kept cd); a URL's password
        // was read across the quotes of the next member ("http://host:8080","email":"a@b.com"). Each left the stored
        // text no longer JSON. A member of JSON in a JSON string (\"password\":\"…\") was not read at all.
        AssertRedactedAndStillJson(input, expected);
    }

    [Theory]
    [InlineData("/login?user=ann&password=hunter2&remember=1", "/login?user=ann&password=[REDACTED:password]&remember=1")]
    [InlineData("/login?password=hunter2&amp;next=1", "/login?password=[REDACTED:password]&amp;next=1")]
    [InlineData("{\"login\":\"/login?password=hunter2\\u0026next=/home\"}", "{\"login\":\"/login?password=[REDACTED:password]\\u0026next=/home\"}")]
    [InlineData("user=ann|pwd=x|host=db", "user=ann|pwd=[REDACTED:password]|host=db")]
    [InlineData("Server=db;Password=p&ss|w0rd;Port=5432", "Server=db;Password=[REDACTED:password];Port=5432")]
    [InlineData("pwd=x|other", "pwd=[REDACTED:password]")]
    [InlineData("AccountKey=abc123==|next", "AccountKey=[REDACTED:key]|next")]
    [InlineData("AccountKey=abc123==&x=1", "AccountKey=[REDACTED:key]&x=1")]
    [InlineData("api_key=abc123|next", "api_key=[REDACTED:api-key]|next")]
    [InlineData("https://x/?sig=abc|next", "https://x/?sig=[REDACTED:signature]|next")]
    [InlineData("echo client_secret=s3cr3t|base64", "echo client_secret=[REDACTED:secret]|base64")]
    public void What_follows_a_value_after_an_ampersand_or_a_pipe_is_kept(string input, string expected)
    {
        // A key never holds '&' or '|': it ends there. A password may: it ends at '&' or '|' (or an escaped '&') only
        // where another assignment follows (a query string, a log line of name=value pairs), and keeps them otherwise.
        Assert.Equal(expected, _redactor.Redact(input));
    }

    [Theory]
    [InlineData("password=", "a&", "!")]
    [InlineData("password=x", "&a", "!")]
    [InlineData("password=", "\\\\", "!")]
    [InlineData("password=", "\\u0026", "!")]
    [InlineData("Password=\\\"", "a", "!")]
    [InlineData("{\"password\":\"", "\\\"", "!")]
    [InlineData("{\\\"password\\\":\\\"", "\\\\\\\"", "!")]
    [InlineData("", "\\\"password\\\":\\\"", "!")]
    [InlineData("http://", "a:", "\"@")]
    public void A_long_escaped_or_separated_value_is_scanned_in_linear_time(string before, string piece, string after) =>
        AssertScannedLinearly(before, piece, after);

    // The redacted text is as expected and still JSON, and so is the JSON in its "body" string when it has one.
    private void AssertRedactedAndStillJson(string input, string expected)
    {
        var redacted = _redactor.Redact(input);

        Assert.Equal(expected, redacted);
        using var json = JsonDocument.Parse(redacted);
        if (json.RootElement.TryGetProperty("body", out var body))
        {
            using var inner = JsonDocument.Parse(body.GetString()!);
        }
    }
}
