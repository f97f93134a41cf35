namespace Dreaming;

/// <summary>No session has the given id.</summary>
public class SessionNotFoundException : KeyNotFoundException
{
    /// <summary>Initializes a new instance.</summary>
    public SessionNotFoundException()
    {
    }

    /// <summary>Initializes a new instance with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public SessionNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with a message and the underlying error.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying error.</param>
    public SessionNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
