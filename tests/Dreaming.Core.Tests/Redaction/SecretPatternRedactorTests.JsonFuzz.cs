using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Dreaming.Tests;

/// <summary>A property of the redactor over JSON that System.Text.Json writes: whatever string holding a secret is
/// serialized (a tool's arguments or result), redacting the serialized text leaves JSON that still parses, and no piece of
/// the secret in it, nor in any string it holds once decoded (JSON in a JSON string included).</summary>
public partial class SecretPatternRedactorTests
{
    private const string Letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const string Digits = "0123456789";
    private const string Base64Chars = Letters + Digits + "+/";
    private const string B64TokenChars = Letters + Digits + "-._~+/";

    // Printable ASCII a password may hold in a connection string, a query string or a setting, but ';' (which ends it
    // there), white space, quotes, '&' and '|' (which end it before another name=), and the backslash; it starts with
    // a letter, as Password== is a comparison in code, not an assignment.
    private const string PasswordChars = Letters + Digits + "!#$%()*+,-./:<>?@[]^_`{}~=";

    // What a URL's userinfo may hold unencoded (RFC 3986: unreserved and sub-delims), and a '%' escape.
    private const string UrlPasswordChars = Letters + Digits + "-._~!$&'()*+,;=";

    // Any character, quotes, backslashes and text beyond ASCII included: a JSON member's value.
    private const string AnyChars = Letters + Digits + "!#$%&'()*+,-./:;<=>?@[]^_`{|}~\"\\ \u00e9\u00fc\u4e2d\U0001F642";

    // Each context writes the secret as it is written in practice, with the characters such a secret is made of.
    private static readonly (string Name, Func<Random, string> Secret, Func<string, string> Write)[] SecretContexts =
    [
        ("authorization header", r => Token(r, B64TokenChars, 8, 60) + Padding(r), s => $"Authorization: Bearer {s}"),
        ("curl header", r => Token(r, B64TokenChars, 8, 60), s => $"curl -H \"Authorization: Bearer {s}\" https://api.example.com/v1"),
        ("bearer in a log", r => Token(r, B64TokenChars, 8, 60) + "7", s => $"sent Bearer {s} to the api"),
        ("basic header", r => Token(r, Base64Chars, 12, 40) + Padding(r), s => $"Authorization: Basic {s}"),
        ("connection string", r => "p" + Token(r, PasswordChars, 8, 30), s => $"Server=db;User Id=sa;Password={s};Encrypt=true"),
        ("psql command", r => "p" + Token(r, PasswordChars, 8, 30), s => $"psql \"Host=db;Password={s}\" -c 'select 1'"),
        ("query string", r => Token(r, Letters + Digits + "!*-._~", 8, 30), s => $"/login?user=ann&password={s}&remember=1"),
        ("url", r => Token(r, UrlPasswordChars, 8, 30), s => $"postgres://admin:{s}@db.internal:5432/app"),
        ("quoted url", r => Token(r, UrlPasswordChars, 8, 30), s => $"psql \"postgres://admin:{s}@db.internal:5432/app\""),
        ("storage key", r => Token(r, Base64Chars, 86, 86) + "==", s => $"DefaultEndpointsProtocol=https;AccountName=a;AccountKey={s};EndpointSuffix=core.windows.net"),
        ("sas signature", r => Uri.EscapeDataString(Token(r, Base64Chars, 43, 43) + "="), s => $"https://a.blob.core.windows.net/c?sv=2022-11-02&sig={s}&se=2030-01-01"),
        ("key header", r => Token(r, Letters + Digits, 16, 48), s => $"x-api-key: {s}"),
        ("key assignment", r => Token(r, Letters + Digits + "-_.", 8, 48), s => $"OPENAI_API_KEY={s} python run.py"),
        ("client secret", r => Token(r, Letters + Digits + "~-._", 8, 40), s => $"client_secret={s}&grant_type=client_credentials"),
        ("aws secret", r => Token(r, Base64Chars, 40, 40), s => $"aws_secret_access_key = {s}"),
        ("github token", r => "ghp_" + Token(r, Letters + Digits, 36, 36), s => $"git clone https://github.com/o/r using {s}"),
        ("json member", r => Token(r, AnyChars, 8, 30), s => string.Empty),
    ];

    public static TheoryData<string> Encoders => new() { "relaxed", "default" };

    [Theory]
    [MemberData(nameof(Encoders))]
    public void A_secret_in_any_serialized_json_is_redacted_and_the_json_stays_json(string encoderName)
    {
        // The library writes tool arguments and results with AIJsonUtilities.DefaultOptions (a quote is \", '+' and '&'
        // are kept), a host's tool often with JsonSerializer's defaults (a quote is \u0022, '+' is \u002B, '&' \u0026,
        // text beyond ASCII \uXXXX). A secret a rule stopped short of at an escape was left in part in the stored text.
        var options = new JsonSerializerOptions
        {
            Encoder = encoderName == "relaxed" ? JavaScriptEncoder.UnsafeRelaxedJsonEscaping : JavaScriptEncoder.Default,
        };
        var random = new Random(20261128);
        var failures = new List<string>();
        for (var i = 0; i < 3_000 && failures.Count < 10; i++)
        {
            var (name, makeSecret, write) = SecretContexts[random.Next(SecretContexts.Length)];
            var secret = makeSecret(random);
            var value = Filler(random) + write(secret) + Filler(random);
            var document = new Dictionary<string, string> { ["note"] = "step " + i, ["text"] = value };
            if (name == "json member")
            {
                // A member whose value is a secret, of any characters.
                document["password"] = secret;
            }

            var json = JsonSerializer.Serialize(document, options);
            // JSON in a JSON string written by the default encoder holds its members' quotes as \u0022, which no rule
            // reads as a member's (left alone): a secret member is wrapped only by the encoder that writes \".
            if (random.Next(3) == 0 && (name != "json member" || encoderName == "relaxed"))
            {
                // JSON in a JSON string: a tool result that holds a serialized request.
                json = JsonSerializer.Serialize(new Dictionary<string, string> { ["body"] = json }, options);
            }

            var redacted = _redactor.Redact(json);
            if (Failure(redacted, secret) is { } failure)
            {
                failures.Add($"{name}: {failure}\n    secret {secret}\n    json     {json}\n    redacted {redacted}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    // Why the redacted text fails the property, or null: it no longer parses, or a piece of the secret (8 characters of
    // it, or the whole of a shorter one) is in it or in a string it holds, decoded.
    private static string? Failure(string redacted, string secret)
    {
        var decoded = new StringBuilder();
        try
        {
            Decode(redacted, decoded, 0);
        }
        catch (JsonException e)
        {
            return "no longer JSON: " + e.Message;
        }

        var window = Math.Min(8, secret.Length);
        for (var start = 0; start + window <= secret.Length; start++)
        {
            var piece = secret.Substring(start, window);
            if (redacted.Contains(piece, StringComparison.Ordinal) || decoded.ToString().Contains(piece, StringComparison.Ordinal))
            {
                return $"kept \"{piece}\"";
            }
        }

        return null;
    }

    private static void Decode(string json, StringBuilder decoded, int depth)
    {
        using var document = JsonDocument.Parse(json);
        Collect(document.RootElement, decoded, depth);
    }

    private static void Collect(JsonElement element, StringBuilder decoded, int depth, string name = "")
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var member in element.EnumerateObject())
                {
                    Collect(member.Value, decoded, depth, member.Name);
                }

                break;
            case JsonValueKind.String:
                var text = element.GetString()!;
                decoded.Append(text).Append('\n');
                if (depth == 0 && name == "body")
                {
                    Decode(text, decoded, depth + 1);
                }

                break;
        }
    }

    private static string Token(Random random, string alphabet, int minLength, int maxLength)
    {
        var length = random.Next(minLength, maxLength + 1);
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = alphabet[random.Next(alphabet.Length)];
        }

        // A surrogate pair is one character: never half of one (nor a '.' at the end of a token, which ends a sentence).
        var token = new string(chars).Replace("\uD83D", string.Empty, StringComparison.Ordinal).Replace("\uDE42", string.Empty, StringComparison.Ordinal);
        if (alphabet == AnyChars && random.Next(4) == 0)
        {
            token += "\U0001F642";
        }

        return token.TrimEnd('.') is { Length: > 0 } trimmed ? trimmed : "x";
    }

    private static string Padding(Random random) => new('=', random.Next(3));

    private static string Filler(Random random) => random.Next(8) switch
    {
        0 => string.Empty,
        1 => "run: ",
        2 => "\n",
        3 => "see (",
        4 => "\"",
        5 => "then ",
        6 => "\u30c8\u30fc\u30af\u30f3\u306f ",
        _ => "\t",
    };
}
