using Microsoft.Extensions.Options;

namespace Dreaming;

/// <summary>Validates <see cref="DreamSchedulerOptions"/> with the messages of <see cref="DreamSchedulerOptions.Validate"/>.</summary>
internal sealed class DreamSchedulerOptionsValidator : IValidateOptions<DreamSchedulerOptions>
{
    public ValidateOptionsResult Validate(string? name, DreamSchedulerOptions options)
    {
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
