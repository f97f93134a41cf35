namespace Dreaming;

/// <summary>A session status as the library writes it everywhere outside .NET: span tags, metrics, webhook payloads and
/// the CLI's output (<c>running</c>, <c>completed</c>, <c>failed</c>, <c>abandoned</c>, <c>blocked</c>).</summary>
/// <remarks>Shared source, compiled into each assembly that needs it (internal in each).</remarks>
internal static class SessionStatusNames
{
    /// <summary>Gets the lower-case name of <paramref name="status"/>, or <c>unknown</c> for a value the enum does not
    /// define.</summary>
    public static string Of(SessionStatus status) => status switch
    {
        SessionStatus.Running => "running",
        SessionStatus.Completed => "completed",
        SessionStatus.Failed => "failed",
        SessionStatus.Abandoned => "abandoned",
        SessionStatus.Blocked => "blocked",
        _ => "unknown",
    };
}
