using BanStudio.Training.Data;
using BanStudio.Training.Models;
using BanStudio.Web.Features.Experiments.Wizard;
using Bunit;
using static BanStudio.Tests.Web.Pages.WizardContext;

namespace BanStudio.Tests.Web.Pages;

/// <summary>The teacher step: the spec's own validation shown at the field, Next blocked, the live parameter count.</summary>
[Collection(TorchCollection.Name)]
public sealed class WizardValidationTests : IAsyncDisposable
{
    readonly WizardContext _wizard = new();

    public ValueTask DisposeAsync() => _wizard.DisposeAsync();

    static readonly DataShape Builtin = DatasetKinds.Info(DatasetKinds.Builtin).Shape;

    static long Count(IRenderedComponent<NewExperiment> page, string prefix = "teacher")
    {
        string text = page.Find($"[data-testid={prefix}-parameters]").GetAttribute("data-count") ?? "";
        return text.Length == 0 ? -1 : long.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void DenseNet_depth_90_without_units_per_block_names_depth_and_the_nearest_valid_depths_and_blocks_next()
    {
        var page = _wizard.Render();
        GoTo(page, WizardStep.Teacher);
        Choose(page, "teacher-family", "densenet");
        Assert.False(InputHasError(page, "teacher-depth"));

        Type(page, "teacher-depth", "90");

        page.WaitForAssertion(() => Assert.True(InputHasError(page, "teacher-depth")));
        string message = ErrorText(page, "teacher-depth");
        Assert.Contains("depth 90", message);
        Assert.Contains("nearest valid depths are 88 and 94", message);
        Assert.Contains("unitsPerBlock", message);
        // The very message the spec gives: the wizard keeps no rules of its own.
        var specError = Assert.Single(new DenseNetSpec(90, 12).Validate());
        Assert.Equal(specError.Message, message);
        Assert.True(page.Find("[data-testid=wizard-next]").HasAttribute("disabled"));
        Assert.Contains("teacher.depth", page.Find("[data-testid=wizard-step-errors]").TextContent);

        // Neither Next nor a click on a later step's header gets past it.
        page.Find("[data-testid=wizard-next]").Click();
        page.FindAll(".mud-stepper-nav [role=tab]")[(int)WizardStep.Review].Click();
        Assert.Equal(WizardStep.Teacher, ActiveStep(page));
        // ... and the review step, had it been reached, could not launch.
        Assert.False(page.Instance.Model.IsValid);

        // Giving the units makes depth only the name's: the error goes and Next opens.
        Type(page, "teacher-unitsPerBlock", "14, 14, 14");
        page.WaitForAssertion(() => Assert.False(InputHasError(page, "teacher-depth")));
        Assert.Empty(page.Instance.Model.Errors);
        Assert.False(page.Find("[data-testid=wizard-next]").HasAttribute("disabled"));
        Assert.Equal(new DenseNetSpec(90, 12) { UnitsPerBlock = [14, 14, 14] }, page.Instance.Model.Spec.Teacher);
        Next(page);
        page.WaitForAssertion(() => Assert.Equal(WizardStep.Students, ActiveStep(page)));
    }

    [Fact]
    public void A_list_that_does_not_parse_is_named_blocks_next_and_leaves_the_spec_as_it_was()
    {
        var page = _wizard.Render();
        GoTo(page, WizardStep.Schedule);
        var before = page.Instance.Model.Spec;

        Type(page, "schedule-seeds", "1, two, 3");

        page.WaitForAssertion(() => Assert.True(InputHasError(page, "schedule-seeds")));
        Assert.Contains("whole numbers separated by commas", ErrorText(page, "schedule-seeds"));
        Assert.Same(before, page.Instance.Model.Spec);
        Assert.True(page.Find("[data-testid=wizard-next]").HasAttribute("disabled"));

        // Two equal seeds parse but the spec refuses them, with its own words.
        Type(page, "schedule-seeds", "1, 1");
        page.WaitForAssertion(() => Assert.Contains("seeds must be distinct", ErrorText(page, "schedule-seeds")));
        Assert.Equal([1L, 1L], page.Instance.Model.Spec.Seeds);

        Type(page, "schedule-seeds", "1, 2, 3");
        page.WaitForAssertion(() => Assert.False(InputHasError(page, "schedule-seeds")));
        Assert.Equal([1L, 2L, 3L], page.Instance.Model.Spec.Seeds);
    }

    [Fact]
    public void The_parameter_count_follows_the_hyperparameters_and_is_the_specs_own_count()
    {
        var page = _wizard.Render();
        GoTo(page, WizardStep.Teacher);
        long wrn101 = new WideResNetSpec(10, 1, DropRate: 0).CountParameters(Builtin);
        page.WaitForAssertion(() => Assert.Equal(wrn101, Count(page)));

        Type(page, "teacher-widen", "2");

        long wrn102 = new WideResNetSpec(10, 2, DropRate: 0).CountParameters(Builtin);
        Assert.NotEqual(wrn101, wrn102);
        page.WaitForAssertion(() => Assert.Equal(wrn102, Count(page)));
        Assert.Contains(wrn102.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), page.Find("[data-testid=teacher-parameters]").TextContent);

        // A preset, and the data's class count: CIFAR-100 adds 90 outputs to the classifier.
        Choose(page, "teacher-family", "densenet");
        Choose<string?>(page, "teacher-preset", "DenseNet-112-33");
        var densenet = ModelPresets.Get("DenseNet-112-33");
        page.WaitForAssertion(() => Assert.Equal(densenet.CountParameters(Builtin), Count(page)));

        // An invalid spec has no count (and says which field to fix) rather than a stale one.
        Type(page, "teacher-growth", "0");
        page.WaitForAssertion(() => Assert.Equal(-1, Count(page)));
        Assert.Contains("fix teacher.growth", page.Find("[data-testid=teacher-parameters]").TextContent);
    }

    [Fact]
    public void A_ban_resnet_student_follows_the_densenet_teacher_it_was_matched_to()
    {
        var page = _wizard.Render();
        Upload(page, WizardSpecFileTests.CrossArchitectureSpec);
        page.WaitForAssertion(() => Assert.IsType<BanResNetSpec>(page.Instance.Model.Spec.Student));
        GoTo(page, WizardStep.Teacher);

        Type(page, "teacher-growth", "24");

        page.WaitForAssertion(() => Assert.Equal(24, ((DenseNetSpec)page.Instance.Model.Spec.Teacher).Growth));
        var student = Assert.IsType<BanResNetSpec>(page.Instance.Model.Spec.Student);
        Assert.Equal(page.Instance.Model.Spec.Teacher, student.Teacher);
        // Had it stayed on the old teacher, the spec's cross-architecture rule would refuse it.
        Assert.Empty(page.Instance.Model.Errors);
    }

    [Fact]
    public void Precision_is_chosen_on_the_schedule_step_and_float16_on_the_cpu_is_named_with_the_fix()
    {
        var page = _wizard.Render();
        GoTo(page, WizardStep.Schedule);
        Choose(page, "schedule-precision", BanStudio.Training.Training.Precision.Float16);
        page.WaitForAssertion(() => Assert.Contains("\"float16\" needs a CUDA device", ErrorText(page, "schedule-precision")));
        Assert.Contains("bfloat16", ErrorText(page, "schedule-precision"));

        Choose(page, "schedule-precision", BanStudio.Training.Training.Precision.BFloat16);
        page.WaitForAssertion(() => Assert.False(InputHasError(page, "schedule-precision")));
        Assert.Equal(BanStudio.Training.Training.Precision.BFloat16, page.Instance.Model.Spec.Schedule.Precision);
    }

    [Fact]
    public async Task The_tf32_switch_shows_for_a_device_that_can_be_cuda_and_turning_it_off_writes_it_into_the_spec()
    {
        var page = _wizard.Render();
        GoTo(page, WizardStep.Schedule);
        Assert.Equal("cpu", page.Instance.Model.Spec.Device);
        Assert.DoesNotContain(page.FindComponents<MudBlazor.MudSwitch<bool>>(), IsTf32Switch);

        Choose(page, "schedule-device", "auto");
        page.WaitForAssertion(() => Assert.Single(page.FindComponents<MudBlazor.MudSwitch<bool>>(), IsTf32Switch));
        var tf32 = page.FindComponents<MudBlazor.MudSwitch<bool>>().Single(IsTf32Switch);
        Assert.Equal("true", page.Find("input[data-testid=schedule-tf32]").GetAttribute("aria-checked"));

        await page.InvokeAsync(() => tf32.Instance.ValueChanged.InvokeAsync(false));
        page.WaitForAssertion(() => Assert.False(page.Instance.Model.Spec.Schedule.UsesTf32));
        Assert.Equal("false", page.Find("input[data-testid=schedule-tf32]").GetAttribute("aria-checked"));
        Assert.Contains("\"tf32\": false", BanStudio.Training.SpecJson.Write(page.Instance.Model.Spec));

        static bool IsTf32Switch(IRenderedComponent<MudBlazor.MudSwitch<bool>> s) =>
            s.Instance.UserAttributes.TryGetValue("data-testid", out var id) && (string?)id == "schedule-tf32";
    }

    [Fact]
    public void Every_model_family_the_spec_json_knows_has_an_editor_in_the_wizard()
    {
        Assert.Equal(ModelSpecJson.Families, ModelFamilies.All.Select(f => f.Key).Order(StringComparer.Ordinal));
        foreach (var family in ModelFamilies.All)
        {
            var spec = family.Create(new DenseNetSpec(22, 12));
            Assert.IsType(family.SpecType, spec);
            Assert.Empty(spec.Validate()); // a fresh choice never starts in error
            Assert.Same(family, ModelFamilies.Of(spec));
        }
    }
}
