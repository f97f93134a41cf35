using System.Buffers;
using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Dreaming;

/// <summary>Reads a tool error's signature as a careful reader would: whether it reports a state of the world that calling
/// again will not change ("already cancelled", "not found", "not enough seats") or a mistake in the call ("additional
/// properties are not allowed"), in whole words, with short forms, any apostrophe and clause breaks taken into account.
/// <see cref="TemplateLessonWriter"/> words a tool error's lesson by it. Thread-safe.</summary>
internal static partial class StateErrorWords
{
    // Words of an error that reports a state of the world (the order is already cancelled, the record is not found or "could
    // not be found", .NET's and many REST APIs' wording, there are not enough seats, the order is not delivered yet) rather than a mistake in the call:
    // sending it again, even with its arguments checked, does not make it succeed, so such a lesson must not say "do not finish until the call succeeds". Matched as whole words of
    // the signature (SignatureWords), never as letters inside another word ("not foundation", "unexpired"); a word that
    // ends in '*' matches every word it begins ("cancel*": cancelled, canceled).
    private static readonly string[][] s_stateErrorPhrases = Phrases(WithShortForms(
    [
        "already", "not found", "no such", "does not exist", "doesn't exist", "do not exist", "don't exist", "no longer",
        "not enough", "insufficient", "not available", "unavailable", "sold out", "out of stock", "expired", "cannot be used",
        "cannot be cancel*", "cannot be modif*", "cannot be chang*", "cannot be updat*", "cannot be refund*", "not allowed",
        "not permitted", "not eligible", "not be found", "cannot be found", "couldn't be found", "not able to be found",
        "yet",
    ]));

    // Tools write the state words short as often as long: "can't be" or "can not be" for "cannot be", and "isn't", "aren't",
    // "wasn't" or "weren't" for the "not" of "not found", "not enough", "not available" and the others.
    private static IEnumerable<string> WithShortForms(string[] phrases)
    {
        foreach (var phrase in phrases)
        {
            yield return phrase;
            if (phrase.StartsWith("cannot ", StringComparison.Ordinal))
            {
                yield return "can't" + phrase[6..];
                yield return "can not" + phrase[6..];
            }
            else if (phrase.StartsWith("not ", StringComparison.Ordinal))
            {
                yield return "isn't" + phrase[3..];
                yield return "aren't" + phrase[3..];
                yield return "wasn't" + phrase[3..];
                yield return "weren't" + phrase[3..];
            }
        }
    }

    /// <summary>Whether a tool error's signature reports a state that calling again will not change ("already cancelled",
    /// "not found", "not enough seats"), rather than a mistake in the call's arguments. Both lists are matched on the
    /// signature's words (<see cref="SignatureWords"/>).</summary>
    internal static bool IsStateError(string signature)
    {
        var clauseStarts = new List<bool>();
        var types = ExceptionType().Matches(signature);
        var stateType = types.Any(t => !t.Groups["catchAll"].Success);
        var words = Words(types.Count > 0 ? ExceptionType().Replace(signature, " ") : signature, clauseStarts);
        return (stateType || s_stateErrorPhrases.Any(phrase => Holds(words, clauseStarts, phrase)))
            && !s_argumentErrorPhrases.Any(phrase => Holds(words, clauseStarts, phrase))
            && !QuotedNameNotAllowed(words, clauseStarts);
    }

    // A validator names the key or the value the call should not have sent, quoted, as the whole subject of "is not allowed":
    // Joi's object.unknown ('"token" is not allowed'), jsonschema's draft 4 "not" ("{'const': 'foo'} is not allowed for
    // 'foo'"), signed "<str> is not allowed". Other arguments fix the call. A thing named by a word of its own before the
    // quote ("Path <str> is not allowed", "model <str> is not allowed") is a rule of the world, and stays a state.
    private static bool QuotedNameNotAllowed(List<string> words, List<bool> clauseStarts)
    {
        for (var i = 0; i + 2 < words.Count; i++)
        {
            // The quote may close a literal before "is" ("{<str>: <str>} is not allowed").
            if (words[i] == "STR" && (i == 0 || clauseStarts[i]) && !clauseStarts[i + 2])
            {
                var (be, not) = (words[i + 1], words[i + 2]);
                var rest = be is "IS" or "ARE" && not == "NOT" && i + 3 < words.Count && !clauseStarts[i + 3] ? words[i + 3]
                    : be is "ISNT" or "ARENT" ? not
                    : null;
                // "<str> is not allowed to be cancelled" says what cannot be done to the thing quoted: a state.
                var after = be is "IS" or "ARE" ? i + 4 : i + 3;
                if (rest is "ALLOWED" or "PERMITTED" && !(after < words.Count && !clauseStarts[after] && words[after] == "TO"))
                {
                    return true;
                }
            }
        }

        return false;
    }

    // Words of an error about the call itself, which win over the words of a state: a schema check's "additional properties
    // are not allowed", pydantic's "extra fields not permitted" or "value not allowed for argument" is fixed by other
    // arguments, and then the call succeeds. Whole words too: "information" holds no "format", "invalidated" is not
    // "invalid", "Springfield" no "field"; but the forms tools write glued are listed: "formatting" (as "formatted"), a
    // record's "subfield", and Python's "jsonschema" module, which names its ValidationError (split where the case
    // changes or at an underscore, "JsonSchema" and "json_schema" are "schema" already). Pydantic 2's "Extra inputs are not
    // permitted" (Anthropic's API answers so too) names an argument the call should not have sent. A validator's class name
    // ("ValidationError", "ValidationException") is not listed: what it reports is in its message, and Rails' and Django's
    // uniqueness checks raise one to report a state ("Email has already been taken").
    private static readonly string[][] s_argumentErrorPhrases = Phrases(
    [
        "argument*", "parameter*", "propert*", "field", "fields", "subfield", "subfields", "invalid", "missing", "required",
        "unexpected", "schema*", "jsonschema*", "format", "formats", "formatted", "formatting", "must be", "extra inputs",
    ]);

    /// <summary>The words of a signature, in capitals: runs of letters and digits, split where a capital follows a
    /// small letter or starts a word after capitals (<c>OrderNotFound</c>, <c>HTTPError</c>) and where digits meet letters
    /// (<c>Status404NotFound</c>), so that <c>ORDER_NOT_FOUND</c> and <c>OrderNotFound</c> read as "ORDER NOT FOUND"; an apostrophe inside a word is dropped, whichever
    /// one is written (<c>doesn't</c>, <c>doesn’t</c>, <c>doesnʼt</c>, SQL's doubled <c>doesn''t</c>: "DOESNT"), and one at a
    /// word's edge parts words.</summary>
    internal static List<string> SignatureWords(string text) => Words(text, null);

    // The words of SignatureWords and, for each, whether it begins a clause: whether clause punctuation (a full stop, a
    // comma, a colon, a line break: ClauseBreaks) stands between it and the word before.
    private static List<string> Words(string text, List<bool>? clauseStarts)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var breakBefore = false;
        var wordBeginsClause = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (WordApostrophes.IsApostrophe(c))
            {
                if (word.Length > 0 && WordApostrophes.InWordLength(text, i) is > 0 and var length)
                {
                    i += length - 1;
                    continue;
                }

                Flush();
                continue;
            }

            if (!char.IsLetterOrDigit(c))
            {
                Flush();
                breakBefore |= s_clauseBreaks.Contains(c);
                continue;
            }

            if (word.Length > 0 && (char.IsDigit(c) != char.IsDigit(text[i - 1])
                || (char.IsUpper(c) && (char.IsLower(text[i - 1]) || (char.IsUpper(text[i - 1]) && i + 1 < text.Length && char.IsLower(text[i + 1]))))))
            {
                Flush();
            }

            if (word.Length == 0)
            {
                wordBeginsClause = breakBefore;
                breakBefore = false;
            }

            word.Append(char.ToUpperInvariant(c));
        }

        Flush();
        return words;

        void Flush()
        {
            if (word.Length > 0)
            {
                words.Add(word.ToString());
                clauseStarts?.Add(wordBeginsClause);
                word.Clear();
            }
        }
    }

    // Punctuation that ends a clause or a sentence ("Table <str> not found. To have the table created ..."); a hyphen, an
    // underscore or a quote mark does not.
    private static readonly SearchValues<char> s_clauseBreaks = SearchValues.Create(".,;:!?()[]{}|\r\n\u2013\u2014\u2026\u3001\u3002\uFF0C\uFF1A\uFF1B\uFF01\uFF1F");

    // Past participles that do not end in "ed", of things a tool does to a record: "Email not found to be sent" says the
    // email to send was not found. "Broken", "frozen" or "hidden" are left out: they judge what a thing is as often.
    private static readonly FrozenSet<string> s_irregularParticiples = FrozenSet.Create(StringComparer.Ordinal,
    [
        "SENT", "RESENT", "PAID", "REPAID", "DONE", "UNDONE", "REDONE", "MADE", "REMADE", "RUN", "RERUN", "READ", "REREAD",
        "WRITTEN", "REWRITTEN", "OVERWRITTEN", "GIVEN", "TAKEN", "SHOWN", "SET", "RESET", "KEPT", "SOLD", "RESOLD", "BOUGHT",
        "BUILT", "REBUILT", "HELD", "PUT", "CUT", "SPLIT", "SPENT", "LENT", "DRAWN", "WITHDRAWN", "CHOSEN", "SEEN", "KNOWN",
        "FOUND", "BOUND", "SHUT", "LET", "BEGUN", "FED", "LED", "SWEPT", "HUNG", "SPUN", "STRUCK", "SHOT", "SUNG",
        "THROWN", "FORGIVEN", "FORGOTTEN", "GOT", "GOTTEN", "UNDERSTOOD", "UPHELD", "WITHHELD", "DEALT", "MEANT", "SOUGHT",
        "TAUGHT", "BROUGHT", "THOUGHT", "CAUGHT", "FOUGHT", "TOLD", "RETOLD", "SAID", "LAID", "MISLAID", "RELAID",
    ]);

    private static string[][] Phrases(IEnumerable<string> phrases) =>
        [.. phrases.Select(phrase => phrase.Replace("'", string.Empty, StringComparison.Ordinal).ToUpperInvariant().Split(' '))];

    // Whether the words hold the phrase's words in a row; "not found" ("isn't found") only where it does not judge what a
    // thing is (Judges).
    private static bool Holds(List<string> words, List<bool> clauseStarts, string[] phrase)
    {
        for (var i = 0; i + phrase.Length <= words.Count; i++)
        {
            var j = 0;
            while (j < phrase.Length && Matches(words[i + j], phrase[j]))
            {
                j++;
            }

            if (j == phrase.Length && !(phrase[^1] == "FOUND" && Judges(words, clauseStarts, i + j)))
            {
                return true;
            }
        }

        return false;

        static bool Matches(string word, string pattern) => pattern[^1] == '*'
            ? word.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal)
            : string.Equals(word, pattern, StringComparison.Ordinal);
    }

    // Whether the words at this place make "not found" judge what a thing is rather than say it is not there: "found to be"
    // or "found to have" followed by what it was judged ("the endpoint was not found to be slow", "not found to have a
    // licence"): the thing was found. Not when what follows is done to the thing ("not found to be updated", "to be freed",
    // "to be sent": a past participle, not a short word such as "red"): the record to update was not found. Nor at the end
    // of the signature, where what was meant cannot be told, nor where a clause ends between the words ("Table <str> not
    // found. To have the table created ..."): a new sentence begins.
    private static bool Judges(List<string> words, List<bool> clauseStarts, int at) =>
        at + 2 < words.Count && words[at] == "TO" && !clauseStarts[at] && !clauseStarts[at + 1] && !clauseStarts[at + 2]
        && (words[at + 1] == "HAVE" || (words[at + 1] == "BE" && !IsParticiple(words[at + 2]) && !IsPlace(words, clauseStarts, at + 2)));

    // "Not found to be in the database", "on the list", "part of the map", "present": the thing is not there, as "not found
    // in the database" says; "not found to be in the expected state": it is not in the state the call needs. Both are
    // states. But a value "not found to be in range" (or "within bounds", "at least 8", "within the next 30 days", s_outOfRange)
    // is out of range: the call sent it.
    private static bool IsPlace(List<string> words, List<bool> clauseStarts, int at)
    {
        if (!s_places.Contains(words[at]))
        {
            return false;
        }

        for (var i = at + 1; i < words.Count && !clauseStarts[i]; i++)
        {
            if (s_outOfRange.Contains(words[i]))
            {
                return false;
            }
        }

        return true;
    }

    // A range a value is out of: "in range", "within bounds", "within the limits", "at least 8", "at most 3", "within the
    // next 30 days" (Meta's eventTimeFutureError: "The event time was not found to be within the next 30 days"), "in the
    // past", "in the future".
    private static readonly FrozenSet<string> s_outOfRange = FrozenSet.Create(StringComparer.Ordinal,
        ["RANGE", "BOUNDS", "LIMIT", "LIMITS", "LEAST", "MOST", "NEXT", "PAST", "FUTURE", "WINDOW"]);

    private static readonly FrozenSet<string> s_places = FrozenSet.Create(StringComparer.Ordinal,
        ["IN", "ON", "AT", "INSIDE", "WITHIN", "AMONG", "AMONGST", "PART", "PRESENT"]);

    private static bool IsParticiple(string word) =>
        (word.Length > 3 && word.EndsWith("ED", StringComparison.Ordinal) && !s_adjectivesInEd.Contains(word)) || s_irregularParticiples.Contains(word);

    // Words ending in "ed" that say what a thing is, not what a tool is asked to do to it: "the kernel was not found to be
    // outdated", "the quota was not found to be limited", "the file was not found to be corrupted" judge a thing that was
    // found. Words that are as often an action on a record ("enabled", "verified", "encrypted", "connected": the feature to
    // enable was not found) are left out, and stay participles.
    private static readonly FrozenSet<string> s_adjectivesInEd = FrozenSet.Create(StringComparer.Ordinal,
    [
        "LIMITED", "UNLIMITED", "OUTDATED", "DATED", "OUTMODED", "CORRUPTED", "MALFORMED", "DEPRECATED", "MISCONFIGURED",
        "SUPPORTED", "UNSUPPORTED", "COMPROMISED", "INFECTED", "QUALIFIED", "UNQUALIFIED", "LICENSED", "UNLICENSED",
        "RELATED", "UNRELATED", "OVERLOADED", "BIASED", "SKEWED",
    ]);

    // .NET's exceptions, by their whole type name, which the miner puts before the message of a tool that threw one. Their
    // names' words are no words of the signature: the "invalid" of InvalidOperationException is none of the call's. That one
    // is .NET's catch-all, thrown for a state ("Order 42 is already cancelled") as for a mistake in the call ("payment amount
    // does not add up"), so its message decides; ObjectDisposedException (the object is gone) and TimeoutException (the time
    // allotted ran out) are states by name. The argument exceptions and FormatException are mistakes in the call by their
    // names' words already.
    [GeneratedRegex(@"(?<![\p{L}\p{N}])(?:(?<catchAll>InvalidOperation)|ObjectDisposed|Timeout)Exception(?![\p{L}\p{N}])", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex ExceptionType();
}
