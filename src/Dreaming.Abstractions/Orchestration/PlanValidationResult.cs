namespace Dreaming;

/// <summary>What checking a plan without running it found: nothing when it can run, else every problem a run would
/// refuse it with (<c>OrchestrationPlanValidation.ValidateAsync</c>, in Dreaming.Core).</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class PlanValidationResult
{
    private PlanValidationResult()
    {
        Problems = [];
    }

    /// <summary>Initializes a new instance for a plan that can run, as it was checked.</summary>
    /// <param name="plan">The plan as a run would use it: its items' rubric files loaded (<see cref="WorkItem.Rubric"/> set
    /// from <see cref="WorkItem.RubricPath"/>).</param>
    /// <exception cref="ArgumentNullException"><paramref name="plan"/> is null.</exception>
    public PlanValidationResult(OrchestrationPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        Problems = [];
        Plan = plan;
    }

    /// <summary>Initializes a new instance for a plan that cannot run.</summary>
    /// <param name="problems">The problems, the first found first; 1 to <see cref="PlanValidationException.MaxProblems"/>.</param>
    /// <param name="omittedProblemCount">How many more problems were found and left out of <paramref name="problems"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="problems"/> or one of its problems is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="problems"/> is empty or holds more than <see cref="PlanValidationException.MaxProblems"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="omittedProblemCount"/> is negative.</exception>
    public PlanValidationResult(IReadOnlyList<PlanProblem> problems, int omittedProblemCount = 0)
    {
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentOutOfRangeException.ThrowIfNegative(omittedProblemCount);
        if (problems.Count is 0 or > PlanValidationException.MaxProblems)
        {
            throw new ArgumentException($"An invalid plan has 1 to {PlanValidationException.MaxProblems} problems; {problems.Count} were given.", nameof(problems));
        }

        if (problems.Any(p => p is null))
        {
            throw new ArgumentNullException(nameof(problems), "A problem is null.");
        }

        Problems = [.. problems];
        OmittedProblemCount = omittedProblemCount;
    }

    /// <summary>Gets the result of a plan that can run: no problems.</summary>
    public static PlanValidationResult Valid { get; } = new();

    /// <summary>Gets a value indicating whether the plan can run: <see langword="true"/> when no problem was found.</summary>
    public bool IsValid => Problems.Count == 0;

    /// <summary>Gets every problem found, the first found first (as <see cref="PlanValidationException.Problems"/> lists
    /// them); empty when the plan can run, at most <see cref="PlanValidationException.MaxProblems"/>.</summary>
    public IReadOnlyList<PlanProblem> Problems { get; }

    /// <summary>Gets how many more problems were found than <see cref="Problems"/> lists (0 when it lists them all).</summary>
    public int OmittedProblemCount { get; }

    /// <summary>Gets the plan that was found valid, as a run would use it: each item's <see cref="WorkItem.RubricPath"/>
    /// loaded into its <see cref="WorkItem.Rubric"/> (the path is kept); <see langword="null"/> when the plan cannot run
    /// (and for <see cref="Valid"/>).</summary>
    /// <remarks>Give it as <see cref="OrchestrationRequest.Plan"/> to run the plan that was checked: the run then reads no
    /// rubric file again, so a file changed or removed since the check cannot refuse it or make it grade with another
    /// rubric than the one checked. <c>OrchestrationPlanValidation.ValidateAsync</c> sets it.</remarks>
    public OrchestrationPlan? Plan { get; }

    /// <summary>Throws the <see cref="PlanValidationException"/> a run would throw for this plan when it cannot run.</summary>
    /// <exception cref="PlanValidationException">The plan cannot run: its message and <see cref="PlanValidationException.Problems"/>
    /// are those a run gives.</exception>
    public void ThrowIfInvalid()
    {
        if (!IsValid)
        {
            throw new PlanValidationException(Problems, OmittedProblemCount);
        }
    }
}
