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

    // Scripts written without spaces between words, in UTF-16 ranges for a character class: Thai, Lao, Myanmar (and its
    // extensions A and B), Khmer (and its symbols), CJK symbols (々, 〆, 〇), Hiragana, Katakana (and its extension and
    // halfwidth forms), Bopomofo (and its extension), Han (and extension A and the compatibility ideographs). And Hangul
    // (its syllables, jamo and halfwidth forms): Korean puts spaces between words, but a particle follows the word it
    // belongs to directly, an address too (support@example.com으로).
    private const string Unspaced = @"\u0E00-\u0EFF\u1000-\u109F\uA9E0-\uA9FF\uAA60-\uAA7F\u1780-\u17FF\u19E0-\u19FF\u3000-\u31FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\uFF66-\uFF9F\u1100-\u11FF\uA960-\uA97F\uAC00-\uD7FF\uFFA0-\uFFDC";

    // Han beyond the BMP (extension B and later, planes 2 and 3: 𠮷 of 𠮷田) is a surrogate pair, which no class of
    // letters holds: it is matched as a pair, never half of one, so a replacement cannot split a character.
    private const string UnspacedBeyondBmp = @"[\uD840-\uD8BF][\uDC00-\uDFFF]";

    // A symbol a local part may hold (RFC 6531 allows any character beyond ASCII there): an emoji or another symbol of
    // the BMP (☺, ❤), or any character beyond the BMP but Han (🙂, a skin tone), as its pair of UTF-16 code units.
    // With the zero-width joiner of an emoji sequence (👨‍💻) and the variation selector (a mark), a local part of emoji is
    // read whole. Currency and math signs are not among them, so a price ($5@…, 3＠¥1,200) is not an address.
    private const string Symbol = """(?:\p{So}|(?![\uD840-\uD8BF])[\uD800-\uDBFF][\uDC00-\uDFFF])""";

    // The at sign and the dot of a domain: each also in the forms Unicode's compatibility normalisation (NFKC) folds to
    // it, the fullwidth ＠ (U+FF20) and ． (U+FF0E) an input method writes in full width, and the small ﹫ (U+FE6B) and
    // ﹒ (U+FE52), which a reader, or a model, takes for the address they write.
    // The fullwidth ． and small ﹒ are also the full stop of Japanese written in the academic style, so one directly
    // followed by a letter of those scripts ends the address (user@example.com．次に進みます．それから…): read as a dot of
    // the domain, the prose after it was taken for labels, every sentence joined by one to the next. In the local part
    // they are dots only after a character not of those scripts (ｙａｍａｄａ．ｔａｒｏ＠), so such prose before an
    // address (…です．support@) is not taken into its local part either.
    private const string AtSign = """[@\uFF20\uFE6B]""";
    private const string DomainDot = $$"""(?:\.|[\uFF0E\uFE52](?![{{Unspaced}}]|[\uD840-\uD8BF]))""";
    private const string LocalPartWideDot = $$"""(?<![{{Unspaced}}]|{{UnspacedBeyondBmp}})[\uFF0E\uFE52]""";

    // The fullwidth and small forms of the other punctuation of a local part and a label, which NFKC folds to _ % + -:
    // an input method writing in full width writes them with the letters (ａｌｉｃｅ＿ｓｍｉｔｈ＠, ｅｘａｍｐｌｅ－ｓｈｏｐ．ｃｏｍ).
    private const string WideLocalPunct = @"\uFF3F\uFF05\uFE6A\uFF0B\uFE62\uFF0D\uFE63";
    private const string WideHyphen = @"\uFF0D\uFE63";

    // Between a character of those scripts and a letter, mark, digit or symbol of another: where such prose ends and an
    // address of another script may begin (お問い合わせは|support@, 連絡は|🙂@).
    private const string AfterUnspacedProse = $$"""(?<=[{{Unspaced}}]|{{UnspacedBeyondBmp}})(?=[\p{L}\p{M}\p{N}-[{{Unspaced}}]]|{{Symbol}})""";

    // A character of a local part beyond ASCII: a letter, mark or digit of any script, or a symbol (above); one of those
    // scripts only where no letter or symbol of another script follows it, so the local part of support@ after prose of
    // those scripts starts after the prose, and 山田@ or 山田.taro@ is read from the start of its run.
    private const string LocalPartChar = $$"""(?:[\p{L}\p{M}\p{N}._%+\-\u200D{{WideLocalPunct}}-[{{Unspaced}}]]|{{LocalPartWideDot}}|{{Symbol}}|(?:[{{Unspaced}}]|{{UnspacedBeyondBmp}})(?![\p{L}\p{M}\p{N}-[{{Unspaced}}]]|{{Symbol}}))""";

    // Where a local part beyond ASCII may start: at a word's start, as \b tells it, at Han beyond the BMP, or at a
    // symbol, neither of which \b takes for a letter.
    private const string LocalPartStart = $$"""(?:\b|(?=[\uD840-\uD8BF])|(?={{Symbol}}))""";

    // Before a character that may continue a local part beyond ASCII, a local part does not start (it is read once from
    // the start of its run, so a long run is scanned in linear time).
    private const string NoLocalPartBefore = $$"""(?<![\p{L}\p{M}\p{N}._%+\-\p{So}\u200D{{WideLocalPunct}}]|[\uD800-\uDBFF][\uDC00-\uDFFF]|{{LocalPartWideDot}})""";

    // A character of a domain's label beyond ASCII.
    private const string LabelChar = $$"""(?:[\p{L}\p{M}\p{N}\-{{WideHyphen}}]|{{UnspacedBeyondBmp}})""";

    // A top-level name beyond ASCII: letters not of those scripts, which may be followed by such prose (.comまで), or
    // else any letters to the end of the word, as of a name such as .ไทย or .中国, whose end in such prose cannot be told.
    private const string TopLevelName = $$"""(?:(?>[\p{L}\p{M}-[{{Unspaced}}]]{2,})(?![\w-[{{Unspaced}}]])|[\p{L}\p{M}]{2,}\b)""";

    // Where an address's top-level name would start, after its last dot: not the label of another secret run into the
    // address (…@example.AccountKey=, …@example.Bearer …; the label may end a longer word) nor the start of a key
    // (…@example.sk-…, …@example.xoxb-…), which that secret's alternative redacts from there.
    private const string NoSecretAfterTheDot = $$"""(?!{{SecretAfterTheDot}})""";

    // What follows the dot where an address's top-level name would start when it is another secret: its label (the
    // label may end a longer word), the start of a key, or a scheme of a web address (…@example.https://…).
    private const string SecretAfterTheDot = """(?:[\p{L}\p{M}]*?(?i:password|passwd|pwd|bearer|basic|account(?:key)?|shared(?:access(?:key|signature)?)?|api(?:key)?|ocp|subscription(?:key)?|client(?:secret)?|secret(?:accesskey)?|session(?:token)?)\b|sk-[A-Za-z0-9_\-]{16}|xox[abprs]-[A-Za-z0-9\-]{10}|[\p{L}\p{M}]{2,}://)""";

    // The end of an address's domain where a secret follows its last dot: the address is read without a top-level name
    // and redacted, and the secret after it is that secret's own to redact. A real address run into something that
    // reads as a key is kept out of the text so (jan@firma.sk followed by a rule of dashes, or sk-… after .sk, the Slovak
    // top-level name): read with the secret's start as its top-level name, it was left in the text but for that name.
    private const string BeforeASecretAfterTheDot = $$"""(?=\.{{SecretAfterTheDot}})""";

    // An address with letters beyond ASCII from its local part to its top-level name, which may not be another secret's
    // label (…@é.AccountKey=, …@é.https://) nor start a key (…@é.sk-…, …@é.xoxb-…).
    // The at sign and the dots may be fullwidth or small (AtSign, DomainDot).
    private const string AddressBeyondAscii = $$"""{{LocalPartChar}}+{{AtSign}}{{LabelChar}}+(?:{{DomainDot}}{{LabelChar}}+)*(?:{{DomainDot}}{{NoSecretAfterTheDot}}{{TopLevelName}}(?!://)|{{BeforeASecretAfterTheDot}})""";

    // A bearer token is its header's whole credential: one that runs on through an at sign (Bearer mia.li.long@example.com)
    // is taken up to white space, a quote, '<', '>', ',' or ';', so no part of it, such as an address's domain, is kept;
    // a '.' is taken only before another of its characters (RunOnThroughAtSign), as a full stop ends the sentence.
    // Nor a backslash (the escaped quote of a JSON string in a JSON string: taken, the stored text was no longer JSON), a
    // backtick or a closing bracket ((Bearer …), `Bearer …`), or a character of a script written without spaces, its
    // fullwidth punctuation or Han beyond the BMP (…@example.comです。次に…, …，请…): read on, the token took the text
    // after it, to the next space, which in such prose is the rest of the paragraph. Such characters right after the at
    // sign are the address's first label (…@例え.jp), taken with the rest.
    private const string BearerRunOnNoDot = $$"""[^\s"'`<>,;\\)\]}.{{Unspaced}}\uD840-\uD8BF\uFF01-\uFF0D\uFF0F\uFF1A-\uFF1F\uFF3B-\uFF40\uFF5B-\uFF65]""";

    // A character of a token (RFC 6750's b64token: letters, digits, '-', '.', '_', '~', '+', '/', then '=' padding) but
    // '.', and a token of them with its dots only between them: a '.' after a token ends the sentence (a JWT never ends
    // in one, and padding is '='). The dots are taken whole (atomic) and kept only before another character, so a long
    // run of them is read once.
    private const string TokenChar = $$"""(?:[A-Za-z0-9\-_~+/]|{{EscapedPlus}})""";
    private const string Token = $$"""(?:{{TokenChar}}|(?>\.+)(?={{TokenChar}}))+""";

    // A word after the name of a scheme (Bearer, Basic): letters only, in lower case, capitalised or in capitals, of at
    // most 20 letters, not run on into a token's characters, an at sign or '=' (a '.' after it ends a sentence).
    private const string WordAfterScheme = $$"""(?:[A-Z]?[a-z]{1,20}|[A-Z]{1,20})(?![A-Za-z0-9\-_~+/=@\uFF20\uFE6B]|\.{{TokenChar}}|{{EscapedPlus}})""";

    // A parameter of a challenge (RFC 6750: WWW-Authenticate: Bearer realm="…", error="…").
    private const string ChallengeParameter = """(?:realm|scope|error(?:_description|_uri)?)=\x22""";

    // What follows Basic outside a header that is prose, not a credential: any word. A Basic credential is base64 of
    // user:password, which is never letters of one case only (each 3 bytes of text give an upper-case letter, a digit
    // or a change of case), so "basic economy", "basic requirements" are kept and no credential is.
    private const string ProseAfterBasic = $$"""(?:{{WordAfterScheme}}|{{ChallengeParameter}})""";

    // What follows Bearer outside a header that is prose, not a credential: only a word that prose puts after the name
    // of the scheme (Bearer token, Bearer authentication, the bearer of, bearer bonds) and a challenge's parameter. A
    // bearer token may be letters only (a generated abcdefghijklmnop, a chosen supersecrettoken, in an exception's
    // message or set by code as ("Authorization", "Bearer …")), so any other word is redacted: a missed token is worse
    // than a replaced word.
    private const string ProseAfterBearer = $$"""(?:(?=(?i:{{BearerProseWords}})(?![A-Za-z])){{WordAfterScheme}}|{{ChallengeParameter}})""";

    private const string BearerProseWords = "a|an|and|are|as|at|auth|authentication|authorisation|authorization|based|be|bond|bonds|but|by|can|challenge|check|cheque|cheques|credential|credentials|does|flow|for|format|from|grant|has|have|header|headers|if|in|instrument|instruments|is|it|its|may|must|not|of|on|only|or|prefix|scheme|schemes|securities|security|share|shares|should|so|string|that|the|then|this|to|token|tokens|type|use|used|uses|using|value|vs|was|were|which|will|with";

    // Right after a JSON escape sequence (\n, \t, \r, \b, \f, \uXXXX): a word starts there in JSON-escaped text, though
    // the escape ends in a letter or digit (HOST=db\nPASSWORD=…, \nsk-…, x\u0026john@…); and the escape's letters, where
    // no word starts (an address took the n of \njohn@…, and the backslash left before the replacement broke the JSON).
    private const string AfterJsonEscape = """(?<=\\(?:[nrtbf]|u[0-9A-Fa-f]{4}))""";
    private const string AtJsonEscapeLetter = """(?<=\\)(?:[nrtbf]|u[0-9A-Fa-f]{4})""";

    // A '+' as System.Text.Json's default encoder writes it (\u002B), after any run of backslashes (JSON in a JSON
    // string: \\u002B), as part of a token or a key (base64 holds '+'): they stopped at the backslash and kept the rest.
    private const string EscapedPlus = """(?>\\+)u002[Bb]""";

    // Any character so escaped but a quote (\u0022), as part of a URL's user or password ('&', '+', an apostrophe or a letter
    // beyond ASCII in it): the URL was not read at all.
    private const string EscapedNotQuote = """(?>\\+)u(?!0022)[0-9A-Fa-f]{4}""";

    // Right after the name of an Authorization (or Proxy-Authorization) header and its ':' or '=' (a header line, a JSON
    // member, escaped or not, a map entry): whatever follows the scheme there is the credential, prose or not.
    private const string AfterAuthorizationHeader = $$"""(?<=(?:(?<![A-Za-z0-9])|{{AfterJsonEscape}})(?i:authorization)\\?["']?\s*[:=]\s*(?:\\?["'])?)""";

    // A quoted value in JSON-escaped text (\"…\"), whose own escapes are escaped once more (\\\" is a quote in it,
    // \\\\ a backslash); and one character of such a string, as the value of a member of JSON in a JSON string.
    private const string EscapedStringChar = """(?:[^"\\]|\\\\(?:\\.|[^\\"])|\\[^"\\])""";
    private const string EscapedQuoted = $$"""\\"{{EscapedStringChar}}*\\\x22""";

    // An assignment after '&', '|', an escaped '&' (\u0026, as System.Text.Json writes it) or '&amp;': the next member of
    // a query string or of a log line of name=value pairs, where a password ends.
    private const string NextAssignment = """(?:[&|]|&amp;|(?>\\+)u0026)[A-Za-z_][A-Za-z0-9_.\-]*=""";

    // An unquoted password: up to white space, a quote or ';', or another assignment after '&' or '|' (a password may
    // hold either), and never the backslashes of an escaped quote (\", \u0022 as the default encoder writes it, or
    // \\\" and \\u0022 in JSON in a JSON string): taken, the stored JSON was no longer JSON. Escaped backslashes (\\)
    // are taken in pairs, never split, and a backslash before another character with it (\n).
    private const string PasswordValue = $$"""(?:(?!{{NextAssignment}})(?:[^;\s"'\\]|(?>(?:\\\\)+)(?!\\["'\s]|\\?u00(?:22|27))|\\(?![\\"'\s]|u00(?:22|27))))+""";

    // An unquoted key: up to white space, a quote, ';', '&', '|' or a backslash, none of which a key holds.
    private const string KeyValue = $$"""(?:[^;\s"'&|\\]|{{EscapedPlus}})+""";

    // A credential of 16 characters or more after a header's ':' (x-api-key: …), of a token's characters, not ending in
    // a '.', and run on through an at sign as a bearer token is.
    private const string HeaderKey = $$"""(?:[A-Za-z0-9\-._~+/=]|{{EscapedPlus}}){15,}(?:[A-Za-z0-9\-_~+/=]|{{EscapedPlus}}){{RunOnThroughAtSign}}?""";

    // A credential run on through an at sign: its whole to the end of the header's value (BearerRunOnNoDot, and dots
    // before another of its characters, so none at its end). Characters of a script written without spaces right after
    // the at sign are the address's first label.
    private const string RunOnThroughAtSign = $$"""(?:{{AtSign}}(?:[{{Unspaced}}]|{{UnspacedBeyondBmp}})*(?:{{BearerRunOnNoDot}}|(?>\.+)(?={{BearerRunOnNoDot}}))*)""";

    // The names of the JSON members whose string value is a secret.
    private const string JsonSecretKeys = """password|passwd|pwd|secret|client_secret|(?:x-)?api[_\-]?key|access_?token|refresh_?token|auth_?token|session_?token|secret_?access_?key|ocp-apim-subscription-key""";

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
