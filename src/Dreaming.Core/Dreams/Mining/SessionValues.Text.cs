using System.Text;

namespace Dreaming;

/// <content>Masks the values of sessions in any text: what a reflector model is shown of the sessions, and the lessons it
/// writes.</content>
internal sealed partial class SessionValues
{
    // A code shorter than this (a house number, an amount such as 120) is too likely to be the text's own.
    private const int MinCodeLength = 4;

    private readonly bool _forText;
    private readonly HashSet<string> _codes = new(StringComparer.Ordinal);
    private readonly List<string> _wholeValues = [];
    private readonly Dictionary<string, List<string>> _wholeValuesByFirstWord = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _wholeValuesIndexed = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<List<string>> _wholeValuesToSort = new(ReferenceEqualityComparer.Instance);
    private readonly List<(int Start, int End)> _spans = [];
    private HashSet<string>? _wordsIgnoringCase;
    private int _indexed;

    /// <summary>Initializes an instance that masks error signatures (<see cref="Mask"/>).</summary>
    public SessionValues()
    {
    }

    private SessionValues(bool forText)
    {
        _forText = forText;
    }

    /// <summary>Collects the values of all the sessions, for <see cref="MaskText"/>: the names and codes in capitals of
    /// their tasks, users' messages, call arguments and successful tool results, the codes with a digit (ids, numbers of
    /// a phone, a card, a zip) and the whole values of several words that their calls sent or their tools returned.</summary>
    /// <param name="sessions">The sessions.</param>
    /// <returns>The values.</returns>
    public static SessionValues ForText(IEnumerable<SessionWithEvents> sessions)
    {
        var values = new SessionValues(forText: true);
        foreach (var session in sessions)
        {
            values.Add(session.Session.Task);
            values.AddEvents(session.Events);
        }

        return values;
    }

    /// <summary>Adds the texts of a session's events that its customer or tools supplied: call arguments, successful tool
    /// results and users' messages.</summary>
    /// <param name="events">The session's events.</param>
    public void AddEvents(IReadOnlyList<SessionEvent> events)
    {
        foreach (var sessionEvent in events)
        {
            switch (sessionEvent)
            {
                case ToolCallEvent call:
                    Add(call.Arguments);
                    break;
                case ToolResultEvent { IsError: false } result:
                    Add(result.Result);
                    break;
                case MessageEvent { Role: "user" } message:
                    Add(message.Text);
                    break;
            }
        }
    }

    /// <summary>Returns the text with every value of the sessions it quotes replaced by <c>&lt;value&gt;</c>: e-mail
    /// addresses, a whole value of several words or one holding a digit (<c>12 Elm Street</c>, <c>+1-555-0100</c>), a word
    /// with a capital letter that is one of the names or codes (<c>Mia</c>, <c>HXDUBJ</c>), a code of four or more
    /// characters with a digit (<c>mia_li_3668</c>, <c>4421</c>). The same instance when it quotes none.</summary>
    /// <param name="text">The text.</param>
    /// <param name="masked">The number of values replaced.</param>
    /// <returns>The masked text.</returns>
    public string MaskText(string text, out int masked)
    {
        masked = 0;
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        ReadSources();
        IndexWholeValues();
        _spans.Clear();
        // The addresses the redactor would redact, found by its own pattern: fullwidth and small at signs, local parts of
        // emoji or of any script, addresses run into prose written without spaces.
        SecretPatternRedactor.FindEmails(text, _spans);

        var words = _words.GetAlternateLookup<ReadOnlySpan<char>>();
        var codes = _codes.GetAlternateLookup<ReadOnlySpan<char>>();
        var byFirstWord = _wholeValuesByFirstWord.GetAlternateLookup<ReadOnlySpan<char>>();
        var emails = _spans.Count;
        var after = 0;
        foreach (var match in Word().EnumerateMatches(text))
        {
            var start = match.Index;
            if (start < after || InEmail(start, emails))
            {
                continue;
            }

            var word = text.AsSpan(start, match.Length);
            var end = WholeValueAt(text, start, word, byFirstWord);
            if (end < 0 && ((IsNameLike(word) && Holds(words, word)) || (word.Length >= MinCodeLength && word.ContainsAnyInRange('0', '9') && codes.Contains(word))))
            {
                end = start + match.Length;
            }

            if (end > 0)
            {
                // The sign or mark before a phone number or an order id (+1-555-0100, #W1001) goes with it.
                _spans.Add((start > 0 && text[start - 1] is '+' or '#' ? start - 1 : start, end));
                after = end;
            }
        }

        if (_spans.Count == 0)
        {
            return text;
        }

        _spans.Sort();
        var builder = new StringBuilder(text.Length);
        var position = 0;
        foreach (var (start, end) in _spans)
        {
            if (start < position)
            {
                continue;
            }

            builder.Append(text, position, start - position).Append(Placeholder);
            position = end;
            masked++;
        }

        builder.Append(text, position, text.Length - position);
        return RepeatedValue().Replace(builder.ToString(), Placeholder);
    }

    /// <summary>Gets whether a word, in any case, is one of the names or codes in capitals of the sessions (a keyword
    /// such as <c>mia</c> taken from a task).</summary>
    /// <param name="word">The word.</param>
    /// <returns>Whether it is.</returns>
    public bool IsValueWord(string word)
    {
        ReadSources();
        _wordsIgnoringCase ??= new HashSet<string>(_words, StringComparer.OrdinalIgnoreCase);
        return _wordsIgnoringCase.Contains(word) || _codes.Contains(word);
    }

    private bool InEmail(int index, int emails)
    {
        for (var i = 0; i < emails; i++)
        {
            if (index >= _spans[i].Start && index < _spans[i].End)
            {
                return true;
            }
        }

        return false;
    }

    // The end of the longest whole value (several words, or one holding a digit) that starts at this word, or -1.
    private static int WholeValueAt(string text, int start, ReadOnlySpan<char> word, Dictionary<string, List<string>>.AlternateLookup<ReadOnlySpan<char>> byFirstWord)
    {
        if (!byFirstWord.TryGetValue(word, out var candidates))
        {
            return -1;
        }

        foreach (var value in candidates)
        {
            var end = start + value.Length;
            if (end <= text.Length && text.AsSpan(start, value.Length).Equals(value, StringComparison.OrdinalIgnoreCase)
                && (end == text.Length || !char.IsLetterOrDigit(text[end])))
            {
                return end;
            }
        }

        return -1;
    }

    // The codes and whole values of the texts read since the last call; only an instance made for text keeps them.
    private void AddCodes(string value, bool whole)
    {
        if (!_forText)
        {
            return;
        }

        var hasDigit = false;
        foreach (var match in Word().EnumerateMatches(value))
        {
            var word = value.AsSpan(match.Index, match.Length);
            if (word.Length >= MinCodeLength && word.ContainsAnyInRange('0', '9'))
            {
                _codes.Add(word.ToString());
                hasDigit = true;
            }
        }

        // A value of several words: free text (three or more), or an address or a phone number (a digit in it).
        var words = CountWords(value, MinPhraseWords);
        if (whole && words >= 2 && (hasDigit || words >= MinPhraseWords))
        {
            _wholeValues.Add(value.Trim());
        }
    }

    // Indexes the whole values added since the last call by their first word, longest first. Each distinct value is
    // added once and each list sorted once a call: thousands of values may share a first word ("the"), so a search per
    // value and a sort per value would cost their square.
    private void IndexWholeValues()
    {
        for (; _indexed < _wholeValues.Count; _indexed++)
        {
            var value = _wholeValues[_indexed];
            var first = Word().Match(value);
            if (!first.Success)
            {
                continue;
            }

            value = value[first.Index..];
            if (!_wholeValuesIndexed.Add(value))
            {
                continue;
            }

            if (!_wholeValuesByFirstWord.TryGetValue(first.Value, out var list))
            {
                _wholeValuesByFirstWord[first.Value] = list = [];
            }

            list.Add(value);
            _wholeValuesToSort.Add(list);
        }

        foreach (var list in _wholeValuesToSort)
        {
            list.Sort(static (a, b) => b.Length.CompareTo(a.Length));
        }

        _wholeValuesToSort.Clear();
    }
}
