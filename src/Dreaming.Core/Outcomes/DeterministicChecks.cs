namespace Dreaming;

/// <summary>Runs the criteria that need no model.</summary>
internal static partial class DeterministicChecks
{
}
