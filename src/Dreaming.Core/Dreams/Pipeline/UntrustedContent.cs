namespace Dreaming;

/// <summary>The tool results and user messages a lesson was learnt from: what the guard must inspect.</summary>
/// <remarks>A templated lesson quotes only the error it is about, so its tool errors and the user's messages are inspected.
/// A lesson written by a model (reflected) may carry anything the model was shown, successful tool results included, so
/// every tool result of its evidence sessions is inspected too.</remarks>
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
                    case ToolResultEvent result when candidate.Source != InsightSource.Mined:
                        yield return result.Result ?? string.Empty;
                        break;
                    case MessageEvent { Role: "user" } user:
                        yield return user.Text;
                        break;
                }
            }
        }
    }
}
