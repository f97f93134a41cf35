namespace Dreaming;

/// <summary>What a session's outcome says for mining.</summary>
/// <remarks>Shared source, with <see cref="SessionVerdicts"/>.</remarks>
internal enum SessionVerdict
{
    /// <summary>The session has no outcome and is skipped.</summary>
    NoOutcome = 0,

    /// <summary>The outcome label is neither a success nor a failure, and the session is skipped.</summary>
    UnknownLabel = 1,

    /// <summary>The session succeeded.</summary>
    Succeeded = 2,

    /// <summary>The session failed.</summary>
    Failed = 3,
}
