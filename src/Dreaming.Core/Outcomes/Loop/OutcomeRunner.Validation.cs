namespace Dreaming;

// The checks of a request, made before the loop's session starts.
public sealed partial class OutcomeRunner
{
    private static void Validate(OutcomeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.AgentId))
        {
            throw new ArgumentException("OutcomeRequest.AgentId must not be empty.", nameof(request));
        }

        // Refused here under its own name, not by StartSession as AgentSessionOptions.AgentId, a setting the caller never saw.
        AgentIds.ThrowIfInvalid(request.AgentId, "OutcomeRequest.AgentId", nameof(request));
        AgentIds.ThrowIfInvalid(request.Scope, "OutcomeRequest.Scope", nameof(request));

        if (string.IsNullOrWhiteSpace(request.Task))
        {
            throw new ArgumentException("OutcomeRequest.Task must not be empty.", nameof(request));
        }

        if (request.MaxIterations is < 1 or > OutcomeRequest.MaxIterationsLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.MaxIterations, $"OutcomeRequest.MaxIterations is {request.MaxIterations}; it must be between 1 and {OutcomeRequest.MaxIterationsLimit}.");
        }

        if (request.MaxEscalations < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.MaxEscalations, "OutcomeRequest.MaxEscalations must not be negative.");
        }

        ArgumentNullException.ThrowIfNull(request.Rubric, "request.Rubric");
        ArgumentNullException.ThrowIfNull(request.Agent, "request.Agent");
    }
}
