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
    public void Several_secrets_give_one_space_separated_signature_each_for_rotation_and_the_first_again_last()
    {
        var newSecret = WebhookSecret.Generate();
        var header = new WebhookSigner([SpecSecret, newSecret]).Sign(SpecId, SpecTime, SpecBody);

        // The repeat is for verifiers that never check a list's last entry (StandardWebhooksLibraryTests).
        var parts = header.Split(' ');
        Assert.Equal([SpecSignature, WebhookSigner.Sign(newSecret, SpecId, SpecTime, SpecBody), SpecSignature], parts);
        Assert.Equal(SpecSignature, new WebhookSigner([SpecSecret]).Sign(SpecId, SpecTime, SpecBody));
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

    [Fact]
    public void A_huge_secret_is_refused_by_its_length_before_it_is_decoded()
    {
        var secret = WebhookSecret.Prefix + Convert.ToBase64String(new byte[3_000_000]);
        Assert.False(WebhookSecret.TryParse(secret, out _, out _));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var valid = WebhookSecret.TryParse(secret, out var key, out var problem);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.False(valid);
        Assert.Empty(key);
        Assert.Equal("has 4000000 base64 characters after 'whsec_', more than the 88 of a 64-byte key; a key must have 24 to 64 bytes.", problem);
        Assert.True(allocated < 64 * 1024, $"{allocated} bytes allocated: the secret was decoded or copied");
    }

    [Theory]
    [InlineData(23, false, "decodes to 23 bytes")]
    [InlineData(24, true, null)]
    [InlineData(64, true, null)]
    [InlineData(65, false, "decodes to 65 bytes")]
    [InlineData(66, false, "decodes to 66 bytes")]
    [InlineData(67, false, "has 92 base64 characters")]
    public void A_key_of_24_to_64_bytes_is_accepted_and_no_other(int bytes, bool accepted, string? expected)
    {
        var raw = Enumerable.Range(1, bytes).Select(i => (byte)i).ToArray();

        Assert.Equal(accepted, WebhookSecret.TryParse(WebhookSecret.Prefix + Convert.ToBase64String(raw), out var key, out var problem));

        Assert.Equal(accepted ? raw : [], key);
        if (expected is not null)
        {
            Assert.Contains(expected, problem, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("whsec_MfKQ9r8GKYqrTwjU\r\nPD8ILPZIo2LaLaSw")]
    [InlineData("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n")]
    [InlineData("whsec_MfKQ9r8GKYqr TwjUPD8I\tLPZIo2LaLaSw \r\n")]
    public void A_secret_wrapped_or_ended_by_whitespace_when_pasted_gives_the_same_key(string secret)
    {
        Assert.True(WebhookSecret.TryParse(secret, out var key, out var problem), problem);

        Assert.Equal(WebhookSecret.Decode(SpecSecret), key);
    }

    [Theory]
    [InlineData("whsec_MfKQ9r8G!YqrTwjUPD8ILPZIo2LaLaSw", "is not valid base64 after 'whsec_': it has U+0021 at index 14.")]
    [InlineData("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS-", "is not valid base64 after 'whsec_': it has U+002D at index 37.")]
    [InlineData(" whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "must start with 'whsec_' followed by base64 (got 39 characters starting with whitespace, U+0020 at index 0: remove it).")]
    [InlineData("\nwhsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "must start with 'whsec_' followed by base64 (got 39 characters starting with whitespace, U+000A at index 0: remove it).")]
    public void A_secret_with_a_stray_character_is_refused_naming_it_and_its_index(string secret, string expected)
    {
        Assert.False(WebhookSecret.TryParse(secret, out _, out var problem));

        Assert.Equal(expected, problem);
    }
}
