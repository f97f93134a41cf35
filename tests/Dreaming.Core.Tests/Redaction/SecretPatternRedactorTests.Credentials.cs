namespace Dreaming.Tests;

/// <summary>The credentials of an authorization scheme (<c>Bearer</c>, <c>Basic</c>) and of a key header: prose after the
/// scheme's name, short tokens in a header, a full stop after the token, and a value run on through an at sign.</summary>
public partial class SecretPatternRedactorTests
{
    [Theory]
    [InlineData("Bearer authentication is required for every call.")]
    [InlineData("Use a Bearer token from the identity provider.")]
    [InlineData("The Bearer scheme is defined in RFC 6750; send Bearer credentials, not Basic ones.")]
    [InlineData("BEARER TOKEN and Bearer Authentication are both written in the guide")]
    [InlineData("Basic authentication is required")]
    [InlineData("basic requirements apply to every booking, basic transportation too")]
    [InlineData("WWW-Authenticate: Bearer realm=\"example\", error=\"invalid_token\"")]
    [InlineData("bearer of bad news")]
    public void Prose_after_the_name_of_a_scheme_is_kept(string text)
    {
        // A word after "Bearer " or "Basic " (letters only, in lower case, capitalised or in capitals, of at most 20
        // letters, not run on into a token's characters) is prose: "authentication", "requirements", 12 letters or more,
        // were taken for a token.
        Assert.Same(text, _redactor.Redact(text));
    }

    [Theory]
    [InlineData("Authorization: Bearer abc123", "Authorization: Bearer [REDACTED:bearer]")]
    [InlineData("curl -H 'Authorization: Bearer abc123' https://api.example.com", "curl -H 'Authorization: Bearer [REDACTED:bearer]' https://api.example.com")]
    [InlineData("{\"Authorization\": \"Bearer test\"}", "{\"Authorization\": \"Bearer [REDACTED:bearer]\"}")]
    [InlineData("{\"body\":\"{\\\"authorization\\\":\\\"Bearer token\\\"}\"}", "{\"body\":\"{\\\"authorization\\\":\\\"Bearer [REDACTED:bearer]\\\"}\"}")]
    [InlineData("headers={Authorization=Bearer secret}", "headers={Authorization=Bearer [REDACTED:bearer]}")]
    [InlineData("Proxy-Authorization: Bearer x1", "Proxy-Authorization: Bearer [REDACTED:bearer]")]
    [InlineData("Authorization: Basic YTpi", "Authorization: Basic [REDACTED:basic]")]
    [InlineData("use Bearer abc123 for the test", "use Bearer [REDACTED:bearer] for the test")]
    [InlineData("Bearer 2YotnFZFEjr1zCsicMWpAA then", "Bearer [REDACTED:bearer] then")]
    [InlineData("Bearer mF_9.B5f-4.1JqM then", "Bearer [REDACTED:bearer] then")]
    [InlineData("Bearer OAuthToken then", "Bearer [REDACTED:bearer] then")]
    [InlineData("Bearer abcdefghijklmnopqrstuvwxyz then", "Bearer [REDACTED:bearer] then")]
    [InlineData("Bearer token1 then", "Bearer [REDACTED:bearer] then")]
    [InlineData("Bearer realm=", "Bearer [REDACTED:bearer]")]
    [InlineData("Basic dXNlcjpwYXNzd29yZA== then", "Basic [REDACTED:basic] then")]
    [InlineData("basic YWxhZGRpbjpvcGVuc2VzYW1l", "basic [REDACTED:basic]")]
    public void A_token_after_the_name_of_a_scheme_is_redacted_whatever_its_length(string input, string expected)
    {
        // In an Authorization header (a header line, a JSON or escaped JSON member, a map entry) whatever follows the
        // scheme is the credential; elsewhere whatever is not a word is (a digit, a sign, mixed case, more than 20
        // letters). A token shorter than 8 characters (12 for Basic) was kept: "Authorization: Bearer abc123".
        Assert.Equal(expected, _redactor.Redact(input));
    }

    [Theory]
    [InlineData(
        "The token is Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U.",
        "The token is Bearer [REDACTED:bearer].")]
    [InlineData("Send Bearer mia.li.long@example.com.", "Send Bearer [REDACTED:bearer].")]
    [InlineData("Use Bearer abc123def456... then", "Use Bearer [REDACTED:bearer]... then")]
    [InlineData("It was Bearer abc123def456==.", "It was Bearer [REDACTED:bearer].")]
    [InlineData("Bearer abc.def.ghi1 then", "Bearer [REDACTED:bearer] then")]
    [InlineData("Authorization: Basic dXNlcjpwYXNzd29yZA==.", "Authorization: Basic [REDACTED:basic].")]
    [InlineData("Set x-api-key: 0123456789abcdef0123.", "Set x-api-key: [REDACTED:api-key].")]
    public void A_full_stop_after_a_token_is_kept(string input, string expected)
    {
        // A JWT never ends in '.', and a token's padding is '=': a '.' after the token, and after an address it runs on
        // into, ends the sentence. It was taken with the token.
        Assert.Equal(expected, _redactor.Redact(input));
    }

    [Theory]
    [InlineData("x-api-key: abcdefghijklmnop@example.com", "x-api-key: [REDACTED:api-key]")]
    [InlineData("Ocp-Apim-Subscription-Key: 0123456789abcdef@tenant.example, next", "Ocp-Apim-Subscription-Key: [REDACTED:api-key], next")]
    [InlineData("client_secret: abcdefghijklmnop@example.com;", "client_secret: [REDACTED:secret];")]
    [InlineData("Authorization: Basic mia@example.com:hunter2", "Authorization: Basic [REDACTED:basic]")]
    [InlineData("{\"h\":\"Authorization: Basic mia@example.com:hunter2\"}", "{\"h\":\"Authorization: Basic [REDACTED:basic]\"}")]
    public void A_header_credential_run_on_through_an_at_sign_is_redacted_whole(string input, string expected)
    {
        // As a bearer token is: the key stopped at the '@' and the rest of it, an address's domain, was kept
        // ("x-api-key: [REDACTED:api-key]@example.com"); a Basic credential written unencoded was read as an address,
        // and its password after the ':' was kept ("Basic [REDACTED:email]:hunter2").
        Assert.Equal(expected, _redactor.Redact(input));
    }

    [Theory]
    [InlineData("Bearer a1", ".", "!")]
    [InlineData("Authorization: Bearer a", ".", "!")]
    [InlineData("Bearer abcdefgh@a", ".", ",")]
    [InlineData("Authorization: Bearer abcdefgh@a", ".", " ")]
    [InlineData("", "Bearer ", "x")]
    [InlineData("Authorization: ", "Bearer ", "x")]
    [InlineData("Authorization:", " ", "Bearer x")]
    [InlineData("", "Authorization: ", "Bearer x")]
    [InlineData("Authorization: Basic a", "a:", "@")]
    [InlineData("x-api-key: abcdefghijklmnop", ".", "!")]
    public void A_long_run_after_the_name_of_a_scheme_is_scanned_in_linear_time(string before, string piece, string after) =>
        AssertScannedLinearly(before, piece, after);
}
