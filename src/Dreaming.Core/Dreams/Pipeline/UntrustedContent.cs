namespace Dreaming;

/// <summary>The tool results and user messages a lesson was learnt from: what the guard must inspect.</summary>
internal static class UntrustedContent
{
    public static IEnumerable<string> Of(LessonCandidate candidate, IReadOnlyDictionary<string, SessionWithEvents> sessions)
    {
        if (candidate.Finding.Example is { } example)
        {
            yield return example;
        }

        foreach (var evidence in candidate.Evidence)
        {
            if (!sessions.TryGetValue(evidence.SessionId, out var session))
            {
                continue;
            }

            foreach (var sessionEvent in session.Events)
            {
                switch (sessionEvent)
                {
                    case ToolResultEvent { IsError: true } result when result.ToolName is null || candidate.Triggers.Tools.Count == 0 || candidate.Triggers.Tools.Contains(result.ToolName):
                        yield return result.ErrorMessage ?? result.Result ?? string.Empty;
                        break;
                    case MessageEvent { Role: "user" } user:
                        yield return user.Text;
                        break;
                }
            }
        }
    }
}
