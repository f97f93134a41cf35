using System.Globalization;

namespace Dreaming;

/// <summary>Cuts a completed item's output to <see cref="OrchestratorOptions.MaxDependencyOutputLength"/> for what other
/// prompts are given of it (its dependents, the coordinator's synthesis), with a line saying it was cut and where the
/// whole of it is.</summary>
internal static class DependencyOutputCut
{
    /// <summary>Returns <paramref name="output"/> itself when it is no longer than <paramref name="maxLength"/> (or there is
    /// no limit), else its first <paramref name="maxLength"/> characters (one fewer rather than half a surrogate pair),
    /// then a line saying it was cut, how long it is, that the run's result holds it whole, and the item's session.</summary>
    public static string Cut(string output, int? maxLength, string itemId, string? sessionId)
    {
        if (maxLength is not { } max || output.Length <= max)
        {
            return output;
        }

        var kept = char.IsHighSurrogate(output[max - 1]) ? max - 1 : max;
        var session = sessionId is null ? string.Empty : $"; the item ran in session {sessionId}";
        return string.Concat(
            output.AsSpan(0, kept),
            string.Create(
                CultureInfo.InvariantCulture,
                $"\n[Cut by the orchestrator: the output of '{itemId}' is {output.Length:N0} characters long; only its first {kept:N0} are given here (OrchestratorOptions.MaxDependencyOutputLength). The whole output is in the run's result{session}.]"));
    }
}
