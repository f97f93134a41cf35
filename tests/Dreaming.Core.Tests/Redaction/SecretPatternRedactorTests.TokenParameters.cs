namespace Dreaming.Tests;

/// <summary>OAuth tokens in a URL's query or fragment (<c>access_token=</c>, <c>refresh_token=</c>, <c>id_token=</c>).</summary>
public partial class SecretPatternRedactorTests
{
    [Theory]
    [InlineData("GET /api/items?access_token=ya29a0AfH6SMBx&limit=10", "GET /api/items?access_token=[REDACTED:secret]&limit=10")]
    [InlineData("https://app.example.com/callback#access_token=abcdefghijkl&token_type=Bearer&expires_in=3600", "https://app.example.com/callback#access_token=[REDACTED:secret]&token_type=Bearer&expires_in=3600")]
    [InlineData("POST body: grant_type=refresh_token&refresh_token=1//0gLx-abc_def&client_id=x", "POST body: grant_type=refresh_token&refresh_token=[REDACTED:secret]&client_id=x")]
    [InlineData("redirect to /cb#id_token=abc.def.ghi&state=xyz", "redirect to /cb#id_token=[REDACTED:secret]&state=xyz")]
    [InlineData("/cb?state=1&amp;access_token=secretvalue&amp;x=1", "/cb?state=1&amp;access_token=[REDACTED:secret]&amp;x=1")]
    [InlineData("{\"url\":\"/cb?a=1\\u0026access_token=abc\\u002Bdef\\u0026b=2\"}", "{\"url\":\"/cb?a=1\\u0026access_token=[REDACTED:secret]\\u0026b=2\"}")]
    [InlineData("{\"url\":\"https://x/?ACCESS_TOKEN=abc123\\\" next\"}", "{\"url\":\"https://x/?ACCESS_TOKEN=[REDACTED:secret]\\\" next\"}")]
    public void A_token_in_a_query_or_fragment_is_redacted(string input, string expected)
    {
        // An OAuth token in a URL (RFC 6750's access_token query parameter, the implicit flow's fragment, a refresh
        // request's form body) was kept: no rule read it unless it was a JWT.
        Assert.Equal(expected, _redactor.Redact(input));
    }

    [Theory]
    [InlineData("the access_token=field is documented")]
    [InlineData("grant_type=refresh_token&client_id=x")]
    [InlineData("my_access_token=abc is a local name")]
    public void A_token_parameter_is_read_only_in_a_query_or_fragment(string text) =>
        Assert.Same(text, _redactor.Redact(text));

    [Theory]
    [InlineData("?access_token=", "a", "!")]
    [InlineData("", "&access_token=", "!")]
    [InlineData("?access_token=", "\\u002B", "!")]
    public void A_long_token_parameter_is_scanned_in_linear_time(string before, string piece, string after) =>
        AssertScannedLinearly(before, piece, after);
}
