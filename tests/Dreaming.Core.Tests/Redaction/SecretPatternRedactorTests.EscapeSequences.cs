namespace Dreaming.Tests;

/// <summary>Secrets next to a JSON escape sequence: a name or a key right after <c>\n</c>, <c>\t</c> or <c>\uXXXX</c>,
/// and a value holding an escaped character (System.Text.Json's default encoder writes '+' as <c>\u002B</c>, '&amp;' as
/// <c>\u0026</c>).</summary>
public partial class SecretPatternRedactorTests
{
    [Theory]
    [InlineData("{\"c\":\"first line\\njohn@example.com\"}", "{\"c\":\"first line\\n[REDACTED:email]\"}")]
    [InlineData("{\"c\":\"x\\u0026john@example.com\"}", "{\"c\":\"x\\u0026[REDACTED:email]\"}")]
    [InlineData("{\"c\":\"HOST=db\\nPASSWORD=hunter2\"}", "{\"c\":\"HOST=db\\nPASSWORD=[REDACTED:password]\"}")]
    [InlineData("{\"c\":\"a\\tclient_secret=abcdefgh\"}", "{\"c\":\"a\\tclient_secret=[REDACTED:secret]\"}")]
    [InlineData("{\"c\":\"line\\nAccountKey=abc123==\"}", "{\"c\":\"line\\nAccountKey=[REDACTED:key]\"}")]
    [InlineData("{\"c\":\"line\\nsk-proj-AbCdEf0123456789xyzXYZ\"}", "{\"c\":\"line\\n[REDACTED:api-key]\"}")]
    [InlineData("{\"c\":\"line\\neyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U\"}", "{\"c\":\"line\\n[REDACTED:jwt]\"}")]
    [InlineData("{\"c\":\"GET / HTTP/1.1\\r\\nAuthorization: Bearer token\\r\\n\"}", "{\"c\":\"GET / HTTP/1.1\\r\\nAuthorization: Bearer [REDACTED:bearer]\\r\\n\"}")]
    [InlineData("{\"u\":\"postgres://admin:p\\u0026ss@db/app\"}", "{\"u\":\"postgres://admin:[REDACTED:password]@db/app\"}")]
    [InlineData("{\"u\":\"postgres://admin:p\\u002Bss@db/app\"}", "{\"u\":\"postgres://admin:[REDACTED:password]@db/app\"}")]
    [InlineData("{\"u\":\"https://user:p\\u00E9ss@host/\"}", "{\"u\":\"https://user:[REDACTED:password]@host/\"}")]
    [InlineData("{\"k\":\"AccountKey=abc\\u002Bdef==;x=1\"}", "{\"k\":\"AccountKey=[REDACTED:key];x=1\"}")]
    [InlineData("{\"body\":\"{\\\"k\\\":\\\"AccountKey=abc\\\\u002Bdef==;x=1\\\"}\"}", "{\"body\":\"{\\\"k\\\":\\\"AccountKey=[REDACTED:key];x=1\\\"}\"}")]
    [InlineData("{\"h\":\"Authorization: Bearer abc\\u002Bdef0==\"}", "{\"h\":\"Authorization: Bearer [REDACTED:bearer]\"}")]
    [InlineData("{\"h\":\"sent Bearer abcdef\\u002Bghij123== on\"}", "{\"h\":\"sent Bearer [REDACTED:bearer] on\"}")]
    [InlineData("{\"h\":\"Authorization: Basic YWxh\\u002BZGRpbjpvcGVu\"}", "{\"h\":\"Authorization: Basic [REDACTED:basic]\"}")]
    [InlineData("{\"h\":\"see Basic YWxh\\u002BZGRpbjpvcGVu\"}", "{\"h\":\"see Basic [REDACTED:basic]\"}")]
    [InlineData("{\"e\":\"aws_secret_access_key = abc\\u002Bdef0123456789abcdef\"}", "{\"e\":\"aws_secret_access_key = [REDACTED:secret]\"}")]
    [InlineData("{\"h\":\"x-api-key: abcdefghij\\u002Bklmnopqrst\"}", "{\"h\":\"x-api-key: [REDACTED:api-key]\"}")]
    [InlineData("{\"s\":\"https://a/c?sv=1\\u0026sig=abc\\u002Bdef\\u0026se=2\"}", "{\"s\":\"https://a/c?sv=1\\u0026sig=[REDACTED:signature]\\u0026se=2\"}")]
    [InlineData("{\"body\":\"{\\\"t\\\":\\\"psql \\\\\\\"Host=db;Password=hunter2\\\\\\\" -c x\\\"}\"}", "{\"body\":\"{\\\"t\\\":\\\"psql \\\\\\\"Host=db;Password=[REDACTED:password]\\\\\\\" -c x\\\"}\"}")]
    [InlineData("{\"c\":\"psql \\u0022Host=db;Password=hunter2\\u0022 -c x\"}", "{\"c\":\"psql \\u0022Host=db;Password=[REDACTED:password]\\u0022 -c x\"}")]
    [InlineData("{\"body\":\"{\\u0022t\\u0022:\\u0022/login?password=abc\\\\u0026remember=1\\u0022}\"}", "{\"body\":\"{\\u0022t\\u0022:\\u0022/login?password=[REDACTED:password]\\\\u0026remember=1\\u0022}\"}")]
    public void A_secret_next_to_a_json_escape_is_redacted_and_the_json_stays_json(string input, string expected)
    {
        // After \n, \t or \u0026 a name or key was not at a word's start and was not read (\nPASSWORD=hunter2 kept), an
        // address took the escape's letter (\[REDACTED:email]: no longer JSON), and a value stopped at an escaped '+' or
        // '&' and kept the rest (AccountKey=[REDACTED:key]\u002Bdef==), or was not read at all (a URL's password).
        AssertRedactedAndStillJson(input, expected);
    }

    [Theory]
    [InlineData("AccountKey=", "\\u002B", "!")]
    [InlineData("AccountKey=a", "\\", "!")]
    [InlineData("Authorization: Bearer a", "\\u002B", "!")]
    [InlineData("Bearer a", "\\", "u002")]
    [InlineData("Basic ", "\\u002B", "!")]
    [InlineData("x-api-key: ", "a\\u002B", "!")]
    [InlineData("https://u:", "\\u0026", "!")]
    [InlineData("https://u:", "\\", "@")]
    [InlineData("password=a", "\\", "\"")]
    [InlineData("", "\\n", "john@example.com")]
    [InlineData("x", "\\na", "@example.com")]
    [InlineData("", "\\u0026", "Password=x")]
    public void A_long_run_of_escapes_in_a_value_is_scanned_in_linear_time(string before, string piece, string after) =>
        AssertScannedLinearly(before, piece, after);
}
