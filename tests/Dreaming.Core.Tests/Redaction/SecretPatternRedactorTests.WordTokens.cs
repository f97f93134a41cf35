namespace Dreaming.Tests;

/// <summary>What follows <c>Bearer</c> outside an Authorization header: a token of letters only is a token, only a word
/// that prose puts after the scheme's name is kept.</summary>
public partial class SecretPatternRedactorTests
{
    [Theory]
    [InlineData("Bearer abcdefghijklmnop", "Bearer [REDACTED:bearer]")]
    [InlineData("sending Bearer ABCDEFGHIJKLMNOPQRST to the api", "sending Bearer [REDACTED:bearer] to the api")]
    [InlineData("Bearer supersecrettoken", "Bearer [REDACTED:bearer]")]
    [InlineData("Bearer secret", "Bearer [REDACTED:bearer]")]
    [InlineData("Bearer Qwertyuiopasdf.", "Bearer [REDACTED:bearer].")]
    [InlineData("token: Bearer mysecrettoken", "token: Bearer [REDACTED:bearer]")]
    [InlineData("\"auth\": \"Bearer mysecrettoken\"", "\"auth\": \"Bearer [REDACTED:bearer]\"")]
    [InlineData("request.Headers.Add(\"Authorization\", \"Bearer mysecrettoken\");", "request.Headers.Add(\"Authorization\", \"Bearer [REDACTED:bearer]\");")]
    [InlineData("self.client.get(url, HTTP_AUTHORIZATION='Bearer mysecrettoken')", "self.client.get(url, HTTP_AUTHORIZATION='Bearer [REDACTED:bearer]')")]
    [InlineData("HttpRequestException: 401 (Unauthorized) for 'Bearer qwertyuiopasdf'", "HttpRequestException: 401 (Unauthorized) for 'Bearer [REDACTED:bearer]'")]
    [InlineData("curl -H \"X-Auth: Bearer mysecrettoken\" https://x", "curl -H \"X-Auth: Bearer [REDACTED:bearer]\" https://x")]
    [InlineData("\"Authorization\" => \"Bearer qwertyuiopasdf\"", "\"Authorization\" => \"Bearer [REDACTED:bearer]\"")]
    public void A_token_of_letters_only_after_bearer_is_redacted(string input, string expected)
    {
        // Any word of at most 20 letters after "Bearer " outside an Authorization header was kept as prose, a token of
        // letters only with it: a generated one (abcdefghijklmnop), a chosen one (supersecrettoken), one in an exception's
        // message or set as a header by code ("Authorization", "Bearer …"), all redacted before as 8 characters or more.
        Assert.Equal(expected, _redactor.Redact(input));
    }

    [Theory]
    [InlineData("Bearer tokens are sent in the Authorization header.")]
    [InlineData("The API uses Bearer authentication and the Bearer scheme.")]
    [InlineData("Configure JWT Bearer auth with a Bearer header, then Bearer credentials work.")]
    [InlineData("the bearer bonds and a bearer cheque")]
    [InlineData("Bearer and Basic are both supported; basic transportation too")]
    [InlineData("Basic economy fares are not refundable")]
    public void Prose_words_after_bearer_and_any_word_after_basic_are_kept(string text) =>
        Assert.Same(text, _redactor.Redact(text));
}
