namespace Dreaming;

/// <summary>Removes secrets from text before it is recorded.</summary>
/// <remarks>
/// Every registered redactor is applied, in registration order, to every piece of recorded text (task, messages, tool
/// arguments, tool results, error messages, metadata values) before it is queued for the store. Implementations must be
/// thread-safe, fast, and must not throw for any input.
/// </remarks>
public interface ITraceContentRedactor
{
    /// <summary>Returns <paramref name="text"/> with every secret this redactor knows replaced.</summary>
    /// <param name="text">The text to redact.</param>
    /// <returns>The redacted text; the same instance when nothing was found.</returns>
    string Redact(string text);
}
