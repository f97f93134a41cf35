namespace Dreaming;

/// <summary>The values of <see cref="ErrorEvent.RetryStatus"/>: what happens to the work after the error, as the hosted
/// platforms' <c>retry_status</c> says it.</summary>
public static class ErrorRetryStatus
{
    /// <summary>The work is tried again (unless the run stops first): the error may be followed by another.</summary>
    public const string Retrying = "retrying";

    /// <summary>The work failed and its retries are used up.</summary>
    public const string Exhausted = "exhausted";

    /// <summary>The work failed in a way no retry can help (stopped, cancelled, out of budget, or blocked), so it is not
    /// tried again whatever retries are left.</summary>
    public const string Terminal = "terminal";
}
