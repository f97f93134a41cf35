using System.Globalization;
using System.Text;

namespace Dreaming;

/// <content>The prompts: findings and pairs of similar tasks with excerpts of their sessions, every value of the sessions
/// masked.</content>
public sealed partial class ModelReflector
{
    private const int MaxShownLength = 300;

    // Writes the prompt for a batch of findings, adding to `shown` every session it excerpts.
    private static string FindingsPrompt((int Index, Finding Finding)[] findings, ReflectionRequest request, List<string> shown, SessionValues values)
    {
        var text = new StringBuilder();
        AppendInstructions(text, request.Instructions);
        foreach (var (i, f) in findings)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Finding {i}: {f.Kind} tool={f.Tool ?? "-"} signature=\"{f.Signature}\" sessions={f.Sessions} failed={f.FailedSessions} lift={f.Lift:0.00}");
            text.AppendLine("Evidence sessions: " + string.Join(", ", f.Evidence.Select(e => e.SessionId)));
            foreach (var evidence in f.Evidence.Take(2))
            {
                if (request.Sessions.TryGetValue(evidence.SessionId, out var session))
                {
                    ReadValues(values, session);
                    AppendExcerpt(text, session, evidence.EventSequences, values);
                    if (!shown.Contains(session.Session.Id))
                    {
                        shown.Add(session.Session.Id);
                    }
                }
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    private static string PairsPrompt(IReadOnlyList<TaskPair> pairs, string? instructions, SessionValues values)
    {
        var text = new StringBuilder();
        AppendInstructions(text, instructions);
        for (var i = 0; i < pairs.Count; i++)
        {
            var pair = pairs[i];
            text.AppendLine(CultureInfo.InvariantCulture, $"Pair {i}: similar tasks (similarity {pair.Similarity:0.00}); {pair.Failed.Session.Id} failed, {pair.Succeeded.Session.Id} passed.");
            ReadValues(values, pair.Failed);
            text.AppendLine(CultureInfo.InvariantCulture, $"Failed task: {Shown(pair.Failed.Session.Task, values)}");
            AppendExcerpt(text, pair.Failed, [], values);
            ReadValues(values, pair.Succeeded);
            text.AppendLine(CultureInfo.InvariantCulture, $"Passed task: {Shown(pair.Succeeded.Session.Task, values)}");
            AppendExcerpt(text, pair.Succeeded, [], values);
            text.AppendLine();
        }

        return text.ToString();
    }

    // The values of the session excerpted next: each session's own are masked in what the model is shown of it.
    private static void ReadValues(SessionValues values, SessionWithEvents session)
    {
        values.Reset(session.Session.Task);
        values.AddEvents(session.Events);
    }

    private static void AppendInstructions(StringBuilder text, string? instructions)
    {
        if (!string.IsNullOrWhiteSpace(instructions))
        {
            text.Append("Instructions for this review: ").AppendLine(instructions).AppendLine();
        }
    }

    private static void AppendExcerpt(StringBuilder text, SessionWithEvents session, IReadOnlyList<long> around, SessionValues values)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"<excerpt session=\"{session.Session.Id}\" outcome=\"{session.Session.Outcome?.Label}\">");
        text.AppendLine(Excerpt(session, around, values));
        text.AppendLine("</excerpt>");
    }

    private static string Excerpt(SessionWithEvents session, IReadOnlyList<long> around, SessionValues values)
    {
        var lines = session.Events
            .Where(e => around.Count == 0 || around.Any(s => Math.Abs(s - e.Sequence) <= 2))
            .Take(8)
            .Select(e => e switch
            {
                MessageEvent m => $"{m.Role}: {Shown(m.Text, values)}",
                // A call whose arguments were not read shows why, not as a call with none.
                ToolCallEvent { ArgumentsError: { } argumentsError } c => $"call {c.ToolName}({(c.Arguments is null ? string.Empty : Shown(c.Arguments, values) + " ")}<arguments not read: {Shown(argumentsError, values)}>)",
                ToolCallEvent c => $"call {c.ToolName}({Shown(c.Arguments, values)})",
                ToolResultEvent r => $"{(r.IsError ? "error" : "result")} {r.ToolName}: {Shown(r.ErrorMessage ?? r.Result, values)}",
                // The outcome loop's notes: the agent's question or block reason, and the guidance it was given.
                NoteEvent n => $"note: {Shown(n.Text, values)}",
                _ => e.EventType,
            });
        return string.Join('\n', lines);
    }

    // A text of a session as the model is shown it: its values masked, then cut. Twice the length shown is masked, so
    // that a value is masked whole before the cut, which could otherwise leave the part of it that no value matches.
    private static string Shown(string? text, SessionValues values)
    {
        if (text is null)
        {
            return string.Empty;
        }

        var cut = text.Length > 2 * MaxShownLength;
        var masked = values.MaskText(cut ? TextCut.Start(text, 2 * MaxShownLength).ToString() : text, out _);
        return masked.Length <= MaxShownLength && !cut ? masked : string.Concat(TextCut.Start(masked, MaxShownLength), "...");
    }

    /// <summary>Masks the values of the sessions read in the lessons the model writes, and counts them.</summary>
    private sealed class LessonMask(IReadOnlyDictionary<string, SessionWithEvents> sessions)
    {
        private const string Placeholder = "<value>";
        private SessionValues? _values;

        /// <summary>Gets the values of every session read, read on first use (a reply with no lesson reads no session).</summary>
        public SessionValues Values => _values ??= SessionValues.ForText(sessions.Values);

        /// <summary>Gets the values of the one session being excerpted (<see cref="ReadValues"/>).</summary>
        public SessionValues Shown { get; } = SessionValues.ForText([]);

        /// <summary>Gets the lessons that quoted a value and were kept, masked.</summary>
        public int Masked { get; private set; }

        /// <summary>Gets the lessons that quoted values and were left out.</summary>
        public int Dropped { get; private set; }

        /// <summary>Returns the lesson with every value of the sessions read masked; <see langword="null"/> when it quoted
        /// one and then has fewer than twice as many other words as <c>&lt;value&gt;</c>s, too little to say anything but
        /// whose it was.</summary>
        /// <param name="text">The model's lesson.</param>
        /// <returns>The lesson to keep, or <see langword="null"/>.</returns>
        public string? Apply(string text)
        {
            var masked = Values.MaskText(text, out var count);

            // A lesson with an instruction's shape is kept, so the guard quarantines it (a quarantined lesson is given to no
            // session, but is stored and shown to reviewers and webhooks): masked when the shape survives masking, as
            // written only when masking would leave no shape (the attack's words were a value of a session).
            if (MemoryGuard.Find(text) is not null)
            {
                if (count > 0 && MemoryGuard.Find(masked) is not null)
                {
                    Masked++;
                    return masked;
                }

                return text;
            }

            if (count == 0)
            {
                return text;
            }

            var placeholders = CountOf(masked, Placeholder);
            var words = masked.Replace(Placeholder, " ", StringComparison.Ordinal).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Count(w => w.Any(char.IsLetterOrDigit));
            if (words < 2 * placeholders)
            {
                Dropped++;
                return null;
            }

            Masked++;
            return masked;
        }

        private static int CountOf(string text, string value)
        {
            var count = 0;
            for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
            {
                count++;
            }

            return count;
        }
    }
}
