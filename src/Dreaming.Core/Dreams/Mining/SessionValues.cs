using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Dreaming;

/// <summary>
/// The values one session's customer and tools supplied — its task, its users' messages, the string values of its calls'
/// arguments and of its successful tool results — so that an error signature or an agent's stuck reason that quotes one
/// is masked: a lesson learnt from many sessions is given to every later session of the agent, whichever customer's,
/// and must not carry this customer's name, address or words. Reused from one session to the next; not thread-safe.
/// </summary>
/// <remarks>
/// Two rules, applied to a signature after its numbers, ids, e-mails and quoted values became placeholders:
/// <list type="bullet">
/// <item>a word with a capital letter (a name, a street, a city: <c>Mia</c>, <c>Li</c>, <c>Elm</c>) that is a word of
/// one of those values becomes <c>&lt;value&gt;</c>; capitals of three letters or fewer (<c>HAT</c>, <c>USD</c>), error
/// words (<c>Error</c>, <c>Invalid</c>, <c>Failed</c>) and error kinds (<c>TypeError</c>, <c>InvalidOperationException</c>)
/// are kept, as a one-word value is too likely to be the error's own;</item>
/// <item>a whole string value of three or more words that a call sent or a tool returned (free text: <c>bag lost on the
/// flight to Lisbon</c>), quoted by the error in any case, becomes one <c>&lt;value&gt;</c>. Only whole values count: three
/// words of a user's message (<c>the total price is …</c>) are too often the error's own.</item>
/// </list>
/// The sources are read only when a signature of the session is masked, so sessions without errors cost a list entry
/// per text. JSON sources give their string values only, not their property names. In free text (a task, a message, a
/// value of more than four words) the first word of a sentence is not taken as a name.
/// </remarks>
internal sealed partial class SessionValues
{
    private const int MinPhraseWords = 3;
    private const int MaxShortValueWords = 4;
    private const string Placeholder = "<value>";

    private readonly List<string> _texts = [];
    private readonly List<string> _values = [];
    private readonly List<string> _phrases = [];
    private readonly HashSet<string> _words = new(StringComparer.Ordinal);
    private readonly List<(int Start, int End)> _signatureWords = [];
    private int _read;

    /// <summary>Forgets the previous session's values and starts the next session's with its task.</summary>
    public void Reset(string? task)
    {
        _texts.Clear();
        _values.Clear();
        _phrases.Clear();
        _words.Clear();
        _read = 0;
        _codes.Clear();
        _wholeValues.Clear();
        _wholeValuesByFirstWord.Clear();
        _wholeValuesIndexed.Clear();
        _indexed = 0;
        _wordsIgnoringCase = null;
        Add(task);
    }

    /// <summary>Adds a text of the session that its customer or tools supplied.</summary>
    public void Add(string? text)
    {
        if (!string.IsNullOrWhiteSpace(text))
        {
            _texts.Add(text);
        }
    }

    /// <summary>Returns the signature with the session's values it quotes replaced by <c>&lt;value&gt;</c>; the same
    /// instance when it quotes none.</summary>
    /// <param name="signature">The signature.</param>
    /// <param name="capitals">Whether to mask the words in capitals only (<c>HXDUBJ</c>), after the failing call's own
    /// echoed codes became <c>&lt;id&gt;</c>; otherwise the words of mixed case (names) and whole values of several words,
    /// before, so that a name is <c>&lt;value&gt;</c> whether or not the failing call sent it.</param>
    public string Mask(string signature, bool capitals)
    {
        _signatureWords.Clear();
        foreach (var match in Word().EnumerateMatches(signature))
        {
            _signatureWords.Add((match.Index, match.Index + match.Length));
        }

        if (_signatureWords.Count == 0 || _texts.Count == 0)
        {
            return signature;
        }

        ReadSources();
        Span<bool> masked = _signatureWords.Count <= 128 ? stackalloc bool[_signatureWords.Count] : new bool[_signatureWords.Count];
        var any = false;
        var lookup = _words.GetAlternateLookup<ReadOnlySpan<char>>();
        for (var i = 0; i < _signatureWords.Count; i++)
        {
            var word = signature.AsSpan(_signatureWords[i].Start, _signatureWords[i].End - _signatureWords[i].Start);
            if (IsNameLike(word) && IsCapitals(word) == capitals && Holds(lookup, word))
            {
                masked[i] = any = true;
            }
        }

        if (capitals)
        {
            return any ? Replace(signature, masked) : signature;
        }

        // A whole value of three or more words that a call sent or a tool returned (free text: a complaint, a note).
        foreach (var phrase in _phrases)
        {
            for (var at = signature.IndexOf(phrase, StringComparison.OrdinalIgnoreCase); at >= 0; at = NextIndex(signature, phrase, at))
            {
                var end = at + phrase.Length;
                if ((at > 0 && char.IsLetterOrDigit(signature[at - 1])) || (end < signature.Length && char.IsLetterOrDigit(signature[end])))
                {
                    continue; // part of a longer word
                }

                for (var i = 0; i < _signatureWords.Count; i++)
                {
                    if (_signatureWords[i].Start >= at && _signatureWords[i].End <= end)
                    {
                        masked[i] = any = true;
                    }
                }
            }
        }

        return any ? Replace(signature, masked) : signature;
    }

    private static int NextIndex(string text, string value, int previous)
    {
        var next = text.AsSpan(previous + 1).IndexOf(value, StringComparison.OrdinalIgnoreCase);
        return next < 0 ? -1 : previous + 1 + next;
    }

    private string Replace(string signature, ReadOnlySpan<bool> masked)
    {
        var builder = new StringBuilder(signature.Length);
        var position = 0;
        for (var i = 0; i < _signatureWords.Count; i++)
        {
            if (!masked[i])
            {
                continue;
            }

            var (start, end) = _signatureWords[i];
            builder.Append(signature, position, start - position).Append(Placeholder);
            position = end;
        }

        builder.Append(signature, position, signature.Length - position);
        return RepeatedValue().Replace(builder.ToString(), Placeholder);
    }

    // A word worth masking alone: a capital letter in it (a name), not an error word, and not a short code in capitals.
    private static bool IsNameLike(ReadOnlySpan<char> word)
    {
        if (word.Length < 2)
        {
            return false;
        }

        bool upper = false, lower = false;
        foreach (var c in word)
        {
            upper |= char.IsUpper(c);
            lower |= char.IsLower(c);
        }

        // "I'm", "I'll", "I've" are no one's name, though a customer's message is full of them; "O'Brien", "D'Angelo" and
        // "I'Anson" are.
        return upper && (lower || word.Length > 3) && !s_errorWords.Contains(word) && !IsErrorKind(word) && !IsContractionOfI(word);
    }

    // "I'm", "I'll", "I've", "I'd", with any apostrophe, or one written twice as a SQL string literal echoes it.
    private static bool IsContractionOfI(ReadOnlySpan<char> word)
    {
        if (word.Length < 3 || word[0] != 'I' || !WordApostrophes.IsApostrophe(word[1]))
        {
            return false;
        }

        var rest = word[2] == word[1] ? word[3..] : word[2..];
        return rest.Equals("m", StringComparison.OrdinalIgnoreCase) || rest.Equals("ll", StringComparison.OrdinalIgnoreCase)
            || rest.Equals("ve", StringComparison.OrdinalIgnoreCase) || rest.Equals("d", StringComparison.OrdinalIgnoreCase);
    }

    // Whether the word is one of the session's names, whichever apostrophe each writes inside it ("O'Brien", "O’Brien",
    // "OʼBrien", SQL's doubled "O''Brien"): the names are kept with an ASCII one (AddWords).
    private static bool Holds(HashSet<string>.AlternateLookup<ReadOnlySpan<char>> names, ReadOnlySpan<char> word) =>
        word.ContainsAny(WordApostrophes.All) ? names.Contains(WordApostrophes.ToAscii(word.ToString())) : names.Contains(word);

    // An error's kind (TypeError, KeyError, InvalidOperationException, ConnectionRefusedError) is the error's own word,
    // also where a file or a log the session read names it.
    private static bool IsErrorKind(ReadOnlySpan<char> word) =>
        word.EndsWith("Error", StringComparison.Ordinal) || word.EndsWith("Exception", StringComparison.Ordinal)
        || word.EndsWith("ERROR", StringComparison.Ordinal) || word.EndsWith("EXCEPTION", StringComparison.Ordinal);

    private static bool IsCapitals(ReadOnlySpan<char> word)
    {
        foreach (var c in word)
        {
            if (char.IsLower(c))
            {
                return false;
            }
        }

        return true;
    }

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> s_errorWords = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "error", "errors", "exception", "fail", "fails", "failed", "failure", "fatal", "denied", "forbidden", "invalid",
        "cannot", "unable", "timeout", "refused", "aborted", "unauthorized", "unauthorised", "warning",
    }.GetAlternateLookup<ReadOnlySpan<char>>();

    // Reads the texts added since the last mask: JSON ones as their string values, others whole.
    private void ReadSources()
    {
        if (_read < _texts.Count)
        {
            _wordsIgnoringCase = null;
        }

        for (; _read < _texts.Count; _read++)
        {
            var text = _texts[_read];
            var start = _values.Count;
            if (text.AsSpan().TrimStart() is ['{' or '[', ..] && TryReadJsonStrings(text))
            {
                for (var i = start; i < _values.Count; i++)
                {
                    // A value of several words is free text the customer or a tool wrote: masked whole where an error quotes it.
                    var words = CountWords(_values[i], MaxShortValueWords + 1);
                    if (words >= MinPhraseWords)
                    {
                        _phrases.Add(_values[i]);
                    }

                    AddWords(_values[i], freeText: words > MaxShortValueWords);
                    AddCodes(_values[i], whole: true);
                }
            }
            else
            {
                _values.RemoveRange(start, _values.Count - start);
                AddWords(text, freeText: true);
                AddCodes(text, whole: false);
            }
        }

        _values.Clear();
    }

    // The name-like words of a value. In free text (a task, a message, a value of more than a few words) the first word
    // of a sentence is left out: "Payment failed again" or "No, thanks" say nothing of a name, and would mask the error's
    // own first word.
    private void AddWords(string value, bool freeText)
    {
        foreach (var match in Word().EnumerateMatches(value))
        {
            var word = value.AsSpan(match.Index, match.Length);
            if (IsNameLike(word) && !(freeText && StartsSentence(value, match.Index)))
            {
                _words.Add(WordApostrophes.ToAscii(word.ToString()));
            }
        }
    }

    // The number of words of a text, counted up to the limit.
    private static int CountWords(string text, int limit)
    {
        var words = 0;
        foreach (var _ in Word().EnumerateMatches(text))
        {
            if (++words >= limit)
            {
                break;
            }
        }

        return words;
    }

    private static bool StartsSentence(string text, int index)
    {
        var before = text.AsSpan(0, index).TrimEnd(" \t\"'(“‘*-");
        return before.IsEmpty || before[^1] is '.' or '!' or '?' or ':' or '\n' or '\r';
    }

    private bool TryReadJsonStrings(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.String && reader.GetString() is { Length: > 0 } value)
                {
                    _values.Add(value);
                }
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    // A word: letters, digits, '_', '-' and apostrophes inside it (any of WordApostrophes', the modifier letter U+02BC
    // being a letter already, and one written twice), not the name inside a placeholder such as <id>.
    [GeneratedRegex(@"(?<![\w<'’-])\w[\w'’‘`´＇-]*(?<!['’‘`´＇-])(?![\w>])", RegexOptions.CultureInvariant)]
    private static partial Regex Word();

    [GeneratedRegex(@"<value>(?:[\s,;:.]*<value>)+", RegexOptions.CultureInvariant)]
    private static partial Regex RepeatedValue();
}
