using System.Buffers;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Compliance.Redaction;

namespace Dreaming;

/// <summary>The built-in redactor: finds API keys, bearer and basic credentials, JWTs, passwords in connection strings,
/// URLs and JSON, storage and Service Bus keys in connection strings, SAS signatures, <c>api_key=</c>, <c>x-api-key:</c>,
/// <c>Ocp-Apim-Subscription-Key:</c>, <c>client_secret=</c>, OAuth <c>access_token=</c>, <c>refresh_token=</c> and
/// <c>id_token=</c> in a URL's query or fragment, AWS <c>secret_access_key=</c> and <c>session_token=</c>
/// assignments, and e-mail addresses, and replaces only the secret part; a comparison in code (<c>user_password == x</c>)
/// is not an assignment and is left as it is.</summary>
/// <remarks>
/// <para>By default a secret becomes <c>[REDACTED:kind]</c> (kinds: <c>api-key</c>, <c>jwt</c>, <c>bearer</c>,
/// <c>basic</c>, <c>password</c>, <c>secret</c>, <c>key</c>, <c>signature</c>, <c>email</c>). Pass a <see cref="Redactor"/> from
/// Microsoft.Extensions.Compliance.Redaction (for example an HMAC redactor, so equal secrets stay correlatable) to
/// choose the replacement instead.</para>
/// <para>One compiled pattern scans the text once, with a timeout; text that cannot be scanned in time is replaced whole,
/// since keeping an unscanned secret is worse than losing the text. Thread-safe.</para>
/// </remarks>
public sealed partial class SecretPatternRedactor : ITraceContentRedactor
{
    private static readonly (string Group, string Kind)[] Kinds =
    [
        ("apikey", "api-key"), ("jwt", "jwt"), ("bearer", "bearer"), ("basic", "basic"),
        ("password", "password"), ("jsonsecret", "secret"), ("urlpassword", "password"), ("email", "email"),
        ("connkey", "key"), ("signature", "signature"), ("assignedkey", "api-key"), ("clientsecret", "secret"), ("cloudsecret", "secret"),
        ("tokenparam", "secret"),
    ];

    // Every alternative of the pattern needs one of these characters or words, so text without any (most text) skips
    // the regex; a handful of vectorised scans is far cheaper than trying eight alternatives at every position.
    private static readonly SearchValues<char> s_triggerChars = SearchValues.Create("_=\"@:\uFF20\uFE6B");
    private static readonly SearchValues<char> s_atSigns = SearchValues.Create("@\uFF20\uFE6B");

    private readonly Redactor? _valueRedactor;
    private readonly MatchEvaluator _evaluator;

    /// <summary>Initializes a new instance that writes <c>[REDACTED:kind]</c> in place of each secret.</summary>
    public SecretPatternRedactor()
        : this(null)
    {
    }

    /// <summary>Initializes a new instance that lets <paramref name="valueRedactor"/> choose the replacement of each secret.</summary>
    /// <param name="valueRedactor">The redactor applied to each secret found, or <see langword="null"/> for <c>[REDACTED:kind]</c>.</param>
    public SecretPatternRedactor(Redactor? valueRedactor)
    {
        _valueRedactor = valueRedactor;
        _evaluator = Replace;
    }

    /// <inheritdoc />
    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!MayContainSecret(text))
        {
            return text;
        }

        try
        {
            return SecretPattern().Replace(text, _evaluator);
        }
        catch (RegexMatchTimeoutException)
        {
            return $"[REDACTED:unscanned text of {text.Length} chars]";
        }
    }

    /// <summary>Adds the start and end of each e-mail address of the text that <see cref="Redact"/> would redact, in
    /// order: the dream's masking of sessions' values and the error signatures of findings read addresses with this, so
    /// that they never disagree with the redactor. An address, or a part of one, that the redactor reads as another secret
    /// is that secret's span: a password or a token read up to or through an at sign (<c>password=mia@example.com</c>,
    /// <c>https://mia:pw@example.com</c>, <c>Bearer mia.li.long@example.com</c>) or a key run into the address before it
    /// (<c>mia@example.sk-…</c>), each of which an e-mail pattern of its own reads as an address. Text that cannot be
    /// scanned in time is one span, whole, as <see cref="Redact"/> replaces it whole.</summary>
    /// <param name="text">The text.</param>
    /// <param name="spans">Receives the spans.</param>
    internal static void FindEmails(string text, List<(int Start, int End)> spans) => FindEmails(SecretPattern(), text, spans);

    /// <summary>Gets the redactor's pattern, which a test copies with a shorter timeout for <see cref="FindEmails(Regex, string, List{ValueTuple{int, int}})"/>.</summary>
    internal static Regex Pattern => SecretPattern();

    /// <summary><see cref="FindEmails(string, List{ValueTuple{int, int}})"/> with <paramref name="pattern"/>, the redactor's
    /// pattern or a copy of it.</summary>
    /// <param name="pattern">The pattern.</param>
    /// <param name="text">The text.</param>
    /// <param name="spans">Receives the spans.</param>
    internal static void FindEmails(Regex pattern, string text, List<(int Start, int End)> spans)
    {
        // Every e-mail alternative needs one of the at signs; most text has none.
        if (!text.AsSpan().ContainsAny(s_atSigns))
        {
            return;
        }

        var first = spans.Count;
        try
        {
            // The same pattern, read match by match as Replace reads it (\G is the end of the previous match in both).
            var previousEnd = -1;
            for (var match = pattern.Match(text); match.Success; match = match.NextMatch())
            {
                if (Secret(match) is not (var secret, var kind))
                {
                    continue;
                }

                var (start, end) = (secret.Index, secret.Index + secret.Length);
                if (kind == "email" || secret.ValueSpan.ContainsAny(s_atSigns) || (end < text.Length && s_atSigns.Contains(text[end]))
                    || start == previousEnd || (start == previousEnd + 1 && previousEnd >= 0 && text[previousEnd] is '.' or '\uFF0E' or '\uFE52'))
                {
                    spans.Add((start, previousEnd = end));
                }
            }
        }
        catch (RegexMatchTimeoutException)
        {
            spans.RemoveRange(first, spans.Count - first);
            spans.Add((0, text.Length));
        }
    }

    private static bool MayContainSecret(ReadOnlySpan<char> text) =>
        text.ContainsAny(s_triggerChars)
        || text.Contains("sk-", StringComparison.Ordinal)
        || text.Contains("eyJ", StringComparison.Ordinal)
        || text.Contains("AKIA", StringComparison.Ordinal)
        || text.Contains("AIza", StringComparison.Ordinal)
        || text.Contains("xox", StringComparison.Ordinal)
        || text.Contains("bearer", StringComparison.OrdinalIgnoreCase)
        || text.Contains("basic", StringComparison.OrdinalIgnoreCase);

    private string Replace(Match match)
    {
        if (Secret(match) is not (var group, var kind))
        {
            return match.Value;
        }

        // The match is read in place (ValueSpan): a copy of it (Value) for each of its two parts put a long secret's
        // text on the large object heap twice per match, so redacting it cost collections on top of the scan.
        var replacement = _valueRedactor is null ? $"[REDACTED:{kind}]" : _valueRedactor.Redact(group.Value);
        var start = group.Index - match.Index;
        return string.Concat(match.ValueSpan[..start], replacement, match.ValueSpan[(start + group.Length)..]);
    }

    // The secret a match found, the part Redact replaces, and its kind; null for none.
    private static (Group Group, string Kind)? Secret(Match match)
    {
        foreach (var (groupName, kind) in Kinds)
        {
            if (match.Groups[groupName] is { Success: true } group)
            {
                return (group, kind);
            }
        }

        return null;
    }

    // Alternatives carry a named group for the secret itself, so the label before it ("Password=", "Bearer ") is kept
    // and the record still says what kind of secret was there. An '=' followed by another is a comparison in code
    // (user_password == expected, api_key === null), not an assignment: (?!=) leaves it as it is. A URL's scheme and an
    // e-mail's local part are tried only from the start of their run of characters ((?<!…)), and the atomic (?>…?\b…)
    // moves on to the first word in it, where the match began before: tried from each word of a long dotted run
    // ("b.b.b…"), each read to the end of the run, the scan was quadratic in its length. Neither is bounded, as a
    // length limit would leave the start of a longer address or a password after a longer scheme in the text.
    // An address with letters beyond ASCII (RFC 6531: renée@, bücher.de, пример.рф, a decomposed é) is the second e-mail
    // alternative, tried where the ASCII one fails. The top-level name of either may not end in the label of another
    // secret (…@example.AccountKey=, …@é.https://) nor start a key (…@example.sk-…, …@é.xoxb-…), which is that secret's
    // to redact: an address of ASCII letters took it, and the rest of the key was left in the text. The address before
    // that dot is redacted on its own (jan@firma.sk-------… is [REDACTED:email].[REDACTED:api-key]). A '-' after it that
    // starts no key (renée@mail.de-Adresse) is text, as after an address of ASCII letters.
    // Scripts written without spaces (Japanese, Chinese, Thai…) put prose directly before and after an address. Right
    // after such prose an address of another script is tried first, before the ASCII alternative, which finds no word
    // boundary there (it left support@example.comまで in the text, and read jane of メールはjane.doe@example.co.ukへ as
    // prose); from the start of a run, the local part stops at such prose followed by another script's letter. Only text
    // holding those scripts' characters is read otherwise than before.
    [GeneratedRegex(
        $$"""
        (?<apikey>(?:\b|{{AfterJsonEscape}})(?:sk-[A-Za-z0-9_\-]{16,}|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{20,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_\-]{35}|xox[abprs]-[A-Za-z0-9\-]{10,}))
        |(?<jwt>(?:\b|{{AfterJsonEscape}})eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,})
        |(?i:(?:\b|{{AfterJsonEscape}})(?=bearer\s){{AfterAuthorizationHeader}}bearer[\t\x20]+)(?<bearer>{{Token}}{{RunOnThroughAtSign}}?=*)
        |(?i:(?:\b|{{AfterJsonEscape}})bearer\s+)(?!{{ProseAfterBearer}})(?<bearer>{{Token}}{{RunOnThroughAtSign}}?=*)
        |(?i:(?:\b|{{AfterJsonEscape}})(?=basic\s){{AfterAuthorizationHeader}}basic[\t\x20]+)(?<basic>{{Token}}(?:[:@\uFF20\uFE6B](?:[{{Unspaced}}]|{{UnspacedBeyondBmp}})*(?:{{BearerRunOnNoDot}}|(?>\.+)(?={{BearerRunOnNoDot}}))*)?=*)
        |(?i:(?:\b|{{AfterJsonEscape}})basic\s+)(?!{{ProseAfterBasic}})(?<basic>(?:[A-Za-z0-9+/]|{{EscapedPlus}}){12,}=*)
        |(?i:(?:(?<![A-Za-z0-9])|{{AfterJsonEscape}})(?:password|pwd|passwd)\s*=(?!=)\s*)(?<password>"[^"]*"|'[^']*'|{{EscapedQuoted}}|{{PasswordValue}})
        |(?i:"(?:{{JsonSecretKeys}})"\s*:\s*")(?<jsonsecret>(?:[^"\\]|\\.)+)(?=")
        |(?i:\\"(?:{{JsonSecretKeys}})\\"\s*:\s*\\")(?<jsonsecret>{{EscapedStringChar}}+)(?=\\")
        |(?i:(?:(?<![a-z0-9+.\-])|\G)(?>[a-z0-9+.\-]*?\b[a-z])[a-z0-9+.\-]*://(?:[^/\s:@"\\]|{{EscapedNotQuote}})+:)(?<urlpassword>(?:[^@\s/"\\]|{{EscapedNotQuote}})+)(?=@)
        |{{AfterUnspacedProse}}(?<email>{{AddressBeyondAscii}})
        |(?:(?:(?<![A-Za-z0-9._%+\-])(?!{{AtJsonEscapeLetter}})|\G)(?>[A-Za-z0-9._%+\-]*?\b)|{{AfterJsonEscape}})(?<email>[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*(?:\.{{NoSecretAfterTheDot}}[A-Za-z]{2,}\b(?!://)|{{BeforeASecretAfterTheDot}}))
        |(?:(?:{{NoLocalPartBefore}}(?!{{AtJsonEscapeLetter}})|\G)(?>{{LocalPartChar}}*?{{LocalPartStart}})|{{AfterJsonEscape}})(?<email>{{AddressBeyondAscii}})
        |(?i:(?:(?<![A-Za-z0-9])|{{AfterJsonEscape}})(?:account|shared[_\-]?access)[_\-]?key\s*=(?!=)\s*)(?<connkey>"[^"]*"|'[^']*'|{{EscapedQuoted}}|{{KeyValue}})
        |(?i:(?:[?&\#]|&amp;|\\u0026)(?:access|refresh|id)_token=)(?<tokenparam>(?:[^&|;\s"'<>\#\\]|{{EscapedPlus}})+)
        |(?i:(?:[?&]|\\u0026|\bSharedAccessSignature[\s=]+)sig=)(?<signature>(?:[^&|;\s"'<>\#\\]|{{EscapedPlus}})+)
        |(?i:(?:(?<![A-Za-z0-9])|{{AfterJsonEscape}})(?:(?:x-)?api[_\-]?key|(?:ocp-apim-)?subscription-key)\s*)(?:=(?!=)\s*(?<assignedkey>"[^"]*"|'[^']*'|{{EscapedQuoted}}|(?:[^&|;,\s"'<>\\]|{{EscapedPlus}})+)|:\s*(?<assignedkey>"[^"]*"|'[^']*'|{{EscapedQuoted}}|{{HeaderKey}}))
        |(?i:(?:(?<![A-Za-z0-9])|{{AfterJsonEscape}})client[_\-]?secret\s*)(?:=(?!=)\s*(?<clientsecret>"[^"]*"|'[^']*'|{{EscapedQuoted}}|(?:[^&|;,\s"'<>\\]|{{EscapedPlus}})+)|:\s*(?<clientsecret>"[^"]*"|'[^']*'|{{EscapedQuoted}}|{{HeaderKey}}))
        |(?i:(?:(?<![A-Za-z0-9])|{{AfterJsonEscape}})(?:secret[_\-]?access[_\-]?key|session[_\-]?token)\s*)(?:=(?!=)\s*(?<cloudsecret>"[^"]*"|'[^']*'|{{EscapedQuoted}}|(?:[^&|;,\s"'<>\\]|{{EscapedPlus}})+)|:\s*(?<cloudsecret>"[^"]*"|'[^']*'|{{EscapedQuoted}}|{{HeaderKey}}))
        """,
        RegexOptions.IgnorePatternWhitespace | RegexOptions.ExplicitCapture | RegexOptions.CultureInvariant,
        matchTimeoutMilliseconds: 2000)]
    private static partial Regex SecretPattern();
}
