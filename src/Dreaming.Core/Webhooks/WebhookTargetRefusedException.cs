namespace Dreaming;

/// <summary>A webhook endpoint resolves to an internal address and private networks are not allowed.</summary>
public sealed class WebhookTargetRefusedException : Exception
{
    /// <summary>Initializes a new instance.</summary>
    public WebhookTargetRefusedException()
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message.</param>
    public WebhookTargetRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public WebhookTargetRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
