namespace Dreaming;

/// <summary>Whether the store refused to create a session (its id already exists, written by another session of this or
/// another process): set by the trace writer, read by the session and by the writer before it stores the session's
/// events, so they never land in the session that owns the id.</summary>
internal sealed class SessionCreation
{
    private Exception? _error;

    /// <summary>Gets why the session could not be created, or <see langword="null"/> while nothing says so.</summary>
    public Exception? Error => Volatile.Read(ref _error);

    public void Fail(Exception error) => Volatile.Write(ref _error, error);
}
