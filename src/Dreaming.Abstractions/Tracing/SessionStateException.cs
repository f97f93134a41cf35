namespace Dreaming;

/// <summary>An operation does not fit the session's state: it already exists, has already ended, or is still running.</summary>
public class SessionStateException : InvalidOperationException
{
    /// <summary>Initializes a new instance.</summary>
    public SessionStateException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public SessionStateException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the underlying error.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying error.</param>
    public SessionStateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
