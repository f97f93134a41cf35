namespace Dreaming;

/// <summary>The tool results, user messages and tasks a lesson was learnt from: what the guard must inspect.</summary>
/// <remarks>A templated lesson quotes only the error it is about, so its evidence sessions' tool errors and user messages are
/// inspected. A lesson written by a model (reflected) may carry anything the model was shown, so every session its prompt
/// showed (<see cref="LessonCandidate.ShownSessionIds"/>) is inspected as well as its evidence, each with its task and
/// every tool result, successful ones included.</remarks>
internal static class UntrustedContent
{
    public static IEnumerable<string> Of(LessonCandidate candidate, IReadOnlyDictionary<string, SessionWithEvents> sessions)
    {
        if (candidate.Finding.Example is { } example)
        {
            yield return example;
        }

        var written = candidate.Source != InsightSource.Mined;
        foreach (var sessionId in SessionsOf(candidate, written))
        {
            if (!sessions.TryGetValue(sessionId, out var session))
            {
                continue;
            }

            if (written && session.Session.Task is { } task)
            {
                yield return task;
            }

            foreach (var sessionEvent in session.Events)
            {
                switch (sessionEvent)
                {
                    case ToolResultEvent { IsError: true } result when written || result.ToolName is null || candidate.Triggers.Tools.Count == 0 || candidate.Triggers.Tools.Contains(result.ToolName):
                        yield return result.ErrorMessage ?? result.Result ?? string.Empty;
                        break;
                    case ToolResultEvent result when written:
                        yield return result.Result ?? string.Empty;
                        break;
                    case MessageEvent { Role: "user" } user:
                        yield return user.Text;
                        break;
                }
            }
        }
    }

    private static IEnumerable<string> SessionsOf(LessonCandidate candidate, bool written)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var evidence in candidate.Evidence)
        {
            if (seen.Add(evidence.SessionId))
            {
                yield return evidence.SessionId;
            }
        }

        if (written)
        {
            foreach (var sessionId in candidate.ShownSessionIds)
            {
                if (seen.Add(sessionId))
                {
                    yield return sessionId;
                }
            }
        }
    }
}
