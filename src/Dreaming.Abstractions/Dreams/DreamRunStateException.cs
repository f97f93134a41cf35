namespace Dreaming;

/// <summary>An operation does not fit a dream run's state: starting a run that is not pending, completing one that is not
/// running, changing a finished run, or renewing a lease held by someone else.</summary>
public class DreamRunStateException : InvalidOperationException
{
    /// <summary>Initializes a new instance.</summary>
    public DreamRunStateException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public DreamRunStateException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the underlying error.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying error.</param>
    public DreamRunStateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
