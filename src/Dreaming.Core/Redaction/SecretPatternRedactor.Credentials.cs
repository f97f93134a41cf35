namespace Dreaming;

/// <summary>The parts of the pattern that find credentials: bearer and basic credentials, tokens, header keys,
/// passwords and keys as assigned, and how each reads JSON-escaped text.</summary>
public sealed partial class SecretPatternRedactor
{
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
}
