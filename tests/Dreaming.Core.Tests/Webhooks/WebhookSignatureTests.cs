using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace Dreaming.Tests.Webhooks;

public sealed class WebhookSignatureTests
{
    // The Standard Webhooks specification's own test vector (reference/ops-anchors.md §1.2).
    private const string SpecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string SpecId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const string SpecBody = "{\"test\": 2432232314}";
    private const string SpecSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    private static readonly DateTimeOffset SpecTime = DateTimeOffset.FromUnixTimeSeconds(1614265330);

    private readonly FakeTimeProvider _clock = new(SpecTime);

    [Fact]
    public void The_specification_test_vector_signs_to_the_expected_signature()
    {
        Assert.Equal(SpecSignature, WebhookSigner.Sign(SpecSecret, SpecId, SpecTime, SpecBody));
    }

    [Fact]
    public void The_specification_test_vector_verifies()
    {
        var verifier = new WebhookVerifier(SpecSecret, _clock);

        var result = verifier.Verify(SpecId, "1614265330", SpecSignature, SpecBody);

        Assert.True(result.IsValid, result.Message);
    }

    [Fact]
    public void The_raw_body_bytes_verify_like_the_text_and_a_changed_byte_does_not()
    {
        var verifier = new WebhookVerifier(SpecSecret, _clock);
        var bytes = Encoding.UTF8.GetBytes(SpecBody);

        Assert.True(verifier.Verify(SpecId, "1614265330", SpecSignature, bytes).IsValid);
        bytes[^2]++;
        Assert.Equal(WebhookVerificationFailure.SignatureMismatch, verifier.Verify(SpecId, "1614265330", SpecSignature, bytes).Failure);
        Assert.Equal(WebhookVerificationFailure.MissingHeader, verifier.Verify(SpecId, null, SpecSignature, bytes).Failure);
    }

    [Fact]
    public void Several_secrets_give_one_space_separated_signature_each_for_rotation()
    {
        var newSecret = WebhookSecret.Generate();
        var header = new WebhookSigner([SpecSecret, newSecret]).Sign(SpecId, SpecTime, SpecBody);

        var parts = header.Split(' ');
        Assert.Equal(2, parts.Length);
        Assert.Equal(SpecSignature, parts[0]);
        Assert.True(new WebhookVerifier(newSecret, _clock).Verify(SpecId, "1614265330", header, SpecBody).IsValid);
        Assert.True(new WebhookVerifier(SpecSecret, _clock).Verify(SpecId, "1614265330", header, SpecBody).IsValid);
    }

    [Fact]
    public void The_signature_is_an_hmac_of_id_timestamp_and_body_with_the_decoded_key()
    {
        var key = Convert.FromBase64String(SpecSecret["whsec_".Length..]);
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{SpecId}.1614265330.{SpecBody}")));

        Assert.Equal(expected, WebhookSigner.Sign(SpecSecret, SpecId, SpecTime, SpecBody));
    }

    [Fact]
    public void A_tampered_body_is_refused()
    {
        var result = new WebhookVerifier(SpecSecret, _clock).Verify(SpecId, "1614265330", SpecSignature, "{\"test\": 2432232315}");

        Assert.Equal(WebhookVerificationFailure.SignatureMismatch, result.Failure);
        Assert.Contains("No v1 signature matches", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_changed_id_or_timestamp_is_refused()
    {
        var verifier = new WebhookVerifier(SpecSecret, _clock);

        Assert.Equal(WebhookVerificationFailure.SignatureMismatch, verifier.Verify("msg_other", "1614265330", SpecSignature, SpecBody).Failure);
        Assert.Equal(WebhookVerificationFailure.SignatureMismatch, verifier.Verify(SpecId, "1614265331", SpecSignature, SpecBody).Failure);
    }

    [Fact]
    public void Another_secret_is_refused()
    {
        var result = new WebhookVerifier(WebhookSecret.Generate(), _clock).Verify(SpecId, "1614265330", SpecSignature, SpecBody);

        Assert.Equal(WebhookVerificationFailure.SignatureMismatch, result.Failure);
    }

    [Theory]
    [InlineData(-301, WebhookVerificationFailure.TimestampTooNew)]
    [InlineData(301, WebhookVerificationFailure.TimestampTooOld)]
    [InlineData(-300, WebhookVerificationFailure.None)]
    [InlineData(300, WebhookVerificationFailure.None)]
    public void The_timestamp_must_be_within_five_minutes_either_way(int clockAheadBySeconds, WebhookVerificationFailure expected)
    {
        var clock = new FakeTimeProvider(SpecTime.AddSeconds(clockAheadBySeconds));

        var result = new WebhookVerifier(SpecSecret, clock).Verify(SpecId, "1614265330", SpecSignature, SpecBody);

        Assert.Equal(expected, result.Failure);
    }

    [Fact]
    public void A_stale_timestamp_is_refused_even_with_a_valid_signature_and_the_message_says_how_old()
    {
        _clock.Advance(TimeSpan.FromHours(1));

        var result = new WebhookVerifier(SpecSecret, _clock).Verify(SpecId, "1614265330", SpecSignature, SpecBody);

        Assert.Equal(WebhookVerificationFailure.TimestampTooOld, result.Failure);
        Assert.Contains("3600 s old", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "1614265330", SpecSignature, "webhook-id")]
    [InlineData(SpecId, null, SpecSignature, "webhook-timestamp")]
    [InlineData(SpecId, "1614265330", "", "webhook-signature")]
    public void A_missing_header_is_named(string? id, string? timestamp, string? signature, string named)
    {
        var result = new WebhookVerifier(SpecSecret, _clock).Verify(id, timestamp, signature, SpecBody);

        Assert.Equal(WebhookVerificationFailure.MissingHeader, result.Failure);
        Assert.Contains(named, result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("16142653.30")]
    [InlineData("-1614265330")]
    [InlineData("soon")]
    public void A_timestamp_that_is_not_unix_seconds_is_refused(string timestamp)
    {
        Assert.Equal(WebhookVerificationFailure.InvalidTimestamp, new WebhookVerifier(SpecSecret, _clock).Verify(SpecId, timestamp, SpecSignature, SpecBody).Failure);
    }

    [Theory]
    [InlineData("v1a,abc " + SpecSignature)]
    [InlineData("junk v1,not-base64!! v2,AAAA " + SpecSignature + " v1,")]
    [InlineData("v1,AAAA  " + SpecSignature)]
    public void Junk_entries_in_the_signature_list_are_skipped(string header)
    {
        Assert.True(new WebhookVerifier(SpecSecret, _clock).Verify(SpecId, "1614265330", header, SpecBody).IsValid);
    }

    [Fact]
    public void A_list_of_only_junk_is_a_mismatch_not_an_exception()
    {
        var result = new WebhookVerifier(SpecSecret, _clock).Verify(SpecId, "1614265330", "v1 ,,, v1a,xyz v1,AAAA", SpecBody);

        Assert.Equal(WebhookVerificationFailure.SignatureMismatch, result.Failure);
    }

    [Fact]
    public void Headers_are_found_case_insensitively_in_pairs_or_through_a_lookup()
    {
        var verifier = new WebhookVerifier(SpecSecret, _clock);
        KeyValuePair<string, string>[] headers = [new("Webhook-Id", SpecId), new("WEBHOOK-TIMESTAMP", "1614265330"), new("webhook-signature", SpecSignature)];
        var lookup = headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value);

        Assert.True(verifier.Verify(headers, SpecBody).IsValid);
        Assert.True(verifier.Verify(name => lookup.GetValueOrDefault(name), SpecBody).IsValid);
        Assert.Equal(WebhookVerificationFailure.MissingHeader, verifier.Verify(headers.Take(2), SpecBody).Failure);
    }

    [Fact]
    public void EnsureValid_throws_with_the_failure()
    {
        var verifier = new WebhookVerifier(SpecSecret, _clock);

        var exception = Assert.Throws<WebhookVerificationException>(() => verifier.EnsureValid(SpecId, "1614265330", SpecSignature, SpecBody + " "));

        Assert.Equal(WebhookVerificationFailure.SignatureMismatch, exception.Failure);
        verifier.EnsureValid(SpecId, "1614265330", SpecSignature, SpecBody);
    }

    [Theory]
    [InlineData("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "must start with 'whsec_'")]
    [InlineData("whsec_not base64!", "is not valid base64")]
    [InlineData("whsec_AAAA", "decodes to 3 bytes")]
    [InlineData("", "must start with 'whsec_'")]
    public void A_bad_secret_is_refused_with_a_message_that_does_not_repeat_it(string secret, string expected)
    {
        var exception = Assert.Throws<ArgumentException>(() => new WebhookVerifier(secret));

        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
        if (secret.Length > 0)
        {
            Assert.DoesNotContain(secret, exception.Message, StringComparison.Ordinal);
        }

        Assert.Throws<ArgumentException>(() => new WebhookSigner([secret]));
    }
}
