using Xunit.Abstractions;

namespace Dreaming.Tests;

/// <summary>The connection-string and API-key assignment forms of the built-in patterns (DESIGN: secrets, connection strings included, are redacted by default).</summary>
public class ConnectionSecretPatternTests(ITestOutputHelper output)
{
    private const string StorageKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly SecretPatternRedactor _redactor = new();

    [Theory]
    [InlineData(
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + StorageKey + ";EndpointSuffix=core.windows.net",
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=[REDACTED:key];EndpointSuffix=core.windows.net")]
    [InlineData("AZURE_STORAGE_ACCOUNT_KEY=" + StorageKey, "AZURE_STORAGE_ACCOUNT_KEY=[REDACTED:key]")]
    [InlineData(
        "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=q1w2e3R4t5Y6u7I8o9P0aSdFgHjKl+zXcVbNm12345=",
        "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=[REDACTED:key]")]
    [InlineData(
        "BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2030-01-01T00:00:00Z&sig=a1B2c3D4e5%2Bf6G7h8%3D",
        "BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2030-01-01T00:00:00Z&sig=[REDACTED:signature]")]
    [InlineData(
        "GET https://acct.blob.core.windows.net/c/b.txt?sv=2022-11-02&sp=r&sig=Zm9vYmFy%2Fbaz%3D&se=2030-01-01 now",
        "GET https://acct.blob.core.windows.net/c/b.txt?sv=2022-11-02&sp=r&sig=[REDACTED:signature]&se=2030-01-01 now")]
    [InlineData(
        "Authorization: SharedAccessSignature sr=https%3A%2F%2Fns.servicebus.windows.net&sig=AbC123%2Bxyz%3D&se=1700000000&skn=send",
        "Authorization: SharedAccessSignature sr=https%3A%2F%2Fns.servicebus.windows.net&sig=[REDACTED:signature]&se=1700000000&skn=send")]
    [InlineData("https://api.example.com/v1/search?q=x&api_key=abc123def&page=2", "https://api.example.com/v1/search?q=x&api_key=[REDACTED:api-key]&page=2")]
    [InlineData("apikey=Zx9Yw8Vu7", "apikey=[REDACTED:api-key]")]
    [InlineData("AZURE_OPENAI_API_KEY = '0123456789abcdef0123456789abcdef'", "AZURE_OPENAI_API_KEY = [REDACTED:api-key]")]
    [InlineData("x-api-key: 3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c\r\nAccept: */*", "x-api-key: [REDACTED:api-key]\r\nAccept: */*")]
    [InlineData("api-key: 0123456789abcdef0123456789abcdef", "api-key: [REDACTED:api-key]")]
    [InlineData("{\"headers\":{\"x-api-key\":\"k-123\"}}", "{\"headers\":{\"x-api-key\":\"[REDACTED:secret]\"}}")]
    [InlineData("grant_type=client_credentials&client_id=app&client_secret=s3cr3t~value&scope=x", "grant_type=client_credentials&client_id=app&client_secret=[REDACTED:secret]&scope=x")]
    [InlineData("AZURE_CLIENT_SECRET=Abc8Q~dEfGhIjKlMnOpQrStUvWxYz0123456789", "AZURE_CLIENT_SECRET=[REDACTED:secret]")]
    public void Redacts_connection_string_keys_signatures_and_key_assignments(string input, string expected) =>
        Assert.Equal(expected, _redactor.Redact(input));

    [Theory]
    [InlineData("[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", "[default]\naws_access_key_id = [REDACTED:api-key]\naws_secret_access_key = [REDACTED:secret]\n")]
    [InlineData("export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "export AWS_SECRET_ACCESS_KEY=[REDACTED:secret]")]
    [InlineData("AWS_SESSION_TOKEN=FwoGZXIvYXdzEJr//////////wEaDH7s", "AWS_SESSION_TOKEN=[REDACTED:secret]")]
    [InlineData("secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "secret_access_key: [REDACTED:secret]")]
    [InlineData(
        "{\"Credentials\":{\"AccessKeyId\":\"ASIAXXX\",\"SecretAccessKey\":\"wJalrXUtnFEMI/K7MDENG\",\"SessionToken\":\"FwoGZXIvYXdz\"}}",
        "{\"Credentials\":{\"AccessKeyId\":\"ASIAXXX\",\"SecretAccessKey\":\"[REDACTED:secret]\",\"SessionToken\":\"[REDACTED:secret]\"}}")]
    [InlineData("Ocp-Apim-Subscription-Key: 0123456789abcdef0123456789abcdef\r\n", "Ocp-Apim-Subscription-Key: [REDACTED:api-key]\r\n")]
    [InlineData("https://apim.example.net/orders?subscription-key=0123456789abcdef&id=7", "https://apim.example.net/orders?subscription-key=[REDACTED:api-key]&id=7")]
    public void Redacts_cloud_credentials_in_their_usual_forms(string input, string expected) =>
        Assert.Equal(expected, _redactor.Redact(input));

    [Theory]
    [InlineData("DB_PASSWORD=hunter2\nDB_USER=app", "DB_PASSWORD=[REDACTED:password]\nDB_USER=app")]
    [InlineData("export POSTGRES_PASSWORD='s3cr3t pass'", "export POSTGRES_PASSWORD=[REDACTED:password]")]
    [InlineData("mysql_pwd = Tr0ub4dor", "mysql_pwd = [REDACTED:password]")]
    [InlineData("smtp_passwd=abc123;", "smtp_passwd=[REDACTED:password];")]
    public void Redacts_passwords_in_environment_variables_and_settings(string input, string expected) =>
        Assert.Equal(expected, _redactor.Redact(input));

    [Theory]
    [InlineData(
        "{\"url\":\"https://acct.blob.core.windows.net/c/b.txt?sv=2022-11-02\\u0026sp=r\\u0026sig=Zm9vYmFy%2Fbaz%3D\"}",
        "{\"url\":\"https://acct.blob.core.windows.net/c/b.txt?sv=2022-11-02\\u0026sp=r\\u0026sig=[REDACTED:signature]\"}")]
    [InlineData(
        "{\"next\":\"https://api.example.com/v1/search?q=x\\u0026api_key=abc123def\"}",
        "{\"next\":\"https://api.example.com/v1/search?q=x\\u0026api_key=[REDACTED:api-key]\"}")]
    [InlineData(
        "{\"body\":\"grant_type=client_credentials\\u0026client_secret=s3cr3t~value\"}",
        "{\"body\":\"grant_type=client_credentials\\u0026client_secret=[REDACTED:secret]\"}")]
    [InlineData("{\"login\":\"/login?user=ann\\u0026password=hunter2\"}", "{\"login\":\"/login?user=ann\\u0026password=[REDACTED:password]\"}")]
    public void Redacts_query_values_after_an_ampersand_that_json_escaped(string input, string expected)
    {
        // System.Text.Json's default encoder writes '&' as \u0026: a tool that returns JsonSerializer.Serialize(result)
        // hands over its URLs that way.
        Assert.Equal(expected, _redactor.Redact(input));
        Assert.Equal("\"a\\u0026sig=b\"", System.Text.Json.JsonSerializer.Serialize("a&sig=b"));
    }

    [Theory]
    [InlineData("the account key concept: rotate it yearly")]
    [InlineData("Set key=value in general, e.g. monkey=banana and hotkey=F5.")]
    [InlineData("SharedAccessKeyName=RootManageSharedAccessKey;Endpoint=sb://ns.servicebus.windows.net/")]
    [InlineData("The signature check failed: design=sig=ok was not a query")]
    [InlineData("Missing api_key: please set it in the portal")]
    [InlineData("turkey: roasted; client secret: ask the admin")]
    [InlineData("AccountName=acct;EndpointSuffix=core.windows.net")]
    [InlineData("Rotate the secret access key and the session token yearly.")]
    [InlineData("secret_access_key: see the vault; session_token: expired")]
    [InlineData("Your subscription key: ask the admin")]
    [InlineData("The password policy: twelve characters; mypassword=example is a word, not a setting")]
    [InlineData("if new_password == confirm_password: save(user_password)")]
    [InlineData("assert(db_pwd === expected && password == '' || smtp_passwd==null)")]
    [InlineData("if (api_key == null || client_secret == \"\" || session_token == None || account_key == x)")]
    public void Leaves_ordinary_text_with_similar_words_alone(string text) => Assert.Same(text, _redactor.Redact(text));

    // Each hostile form, made at a size: Hostile[name](16) is the form at the size where a quadratic pattern took minutes
    // and ended in the timeout's whole-text replacement, every time. Each holds one of the characters ("_=\"@:") without
    // which the redactor returns the text unscanned, so the pattern does run over it (five of them had none, and measured
    // only that 0.02 ms check).
    private static readonly Dictionary<string, Func<int, string>> Hostile = new(StringComparer.Ordinal)
    {
        ["AccountKey and spaces"] = n => Repeat("AccountKey" + new string(' ', 1_000), 200 * n / 16) + ":",
        ["AccountKey=\" and letters"] = n => "AccountKey=\"" + new string('a', 200_000 * n / 16),
        ["AccountKey='"] = n => Repeat("AccountKey='", 20_000 * n / 16),
        ["SharedAccessSignature"] = n => Repeat("SharedAccessSignature ", 10_000 * n / 16) + "sig:",
        ["&sig"] = n => Repeat("&sig", 50_000 * n / 16) + ":",
        ["x-api-key: and spaces"] = n => Repeat("x-api-key:" + new string(' ', 500) + "short ", 400 * n / 16),
        ["api_key=\""] = n => Repeat("api_key=\"", 20_000 * n / 16),
        ["client_secret and tabs"] = n => Repeat("client_secret" + new string('\t', 1_000), 200 * n / 16) + ":",
        ["api-key: and letters"] = n => "api-key: " + new string('A', 200_000 * n / 16) + "!",
        ["api-"] = n => Repeat("api-", 50_000 * n / 16) + "key:",
        ["\\u0026"] = n => Repeat("\\u0026", 50_000 * n / 16) + "sig:",
        ["\\u0026api_key and spaces"] = n => Repeat("\\u0026api_key" + new string(' ', 500), 400 * n / 16),
        ["aws_secret_access_key and spaces"] = n => Repeat("aws_secret_access_key" + new string(' ', 1_000), 200 * n / 16) + ":",
        ["session_token=\""] = n => Repeat("session_token=\"", 20_000 * n / 16),
        ["Ocp-Apim-Subscription-Key: and spaces"] = n => Repeat("Ocp-Apim-Subscription-Key:" + new string(' ', 500) + "short ", 400 * n / 16),
    };

    public static TheoryData<string> HostileInputs() => [.. Hostile.Keys];

    [Theory]
    [MemberData(nameof(HostileInputs))]
    public void Hostile_input_for_the_new_forms_is_scanned_in_linear_time(string hostile)
    {
        // A quadratic or worse pattern costs 16 times as much or more on 4 times the input; a linear one 4 times. The
        // sizes are a sixteenth and a quarter of the form above, and the cost is the thread's CPU time, which a loaded
        // machine does not stretch: the redactor's 2 s timeout is wall-clock time, which it does (every one of 5 scans of
        // the whole form timed out with other engineers' builds running), so a scan that timed out is tried again.
        var (_, large) = Growth.AssertLinear(
            n =>
            {
                var text = Hostile[hostile](n);
                return () => !_redactor.Redact(text).StartsWith("[REDACTED:unscanned", StringComparison.Ordinal);
            },
            1,
            hostile,
            output);

        // A pattern that needs this much CPU for a quarter of the form would time out on the whole of it on any machine.
        Assert.True(large < TimeSpan.FromMilliseconds(500), $"a quarter of the form took {large}");
    }

    [Fact]
    public void A_long_secret_is_replaced_without_copying_its_text()
    {
        // Each match was copied whole (Match.Value) for each of the two parts kept around its secret: "api-key: " and
        // 50,000 letters, 100 KB, put 200 KB on the large object heap per call, a full collection every few calls, which
        // is what made the linear-time check of that form fail on a loaded machine (4 times the input cost up to 29 times
        // as much). The text's own length in allocated bytes allows the replacement, the result and the matching.
        var text = "api-key: " + new string('A', 50_000) + "!";
        Assert.Equal("api-key: [REDACTED:api-key]!", _redactor.Redact(text));
        var before = GC.GetAllocatedBytesForCurrentThread();
        _redactor.Redact(text);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < text.Length, $"redacting {text.Length} characters allocated {allocated} bytes");
    }

    private static string Repeat(string text, int count) => string.Concat(Enumerable.Repeat(text, count));
}
