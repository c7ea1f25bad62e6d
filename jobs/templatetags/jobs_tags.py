"""Template helpers of the jobs pages: a job's label in the reader's language.

Job.label is written once, when the job starts, in the language of whoever started it
(jobs.handlers), so an export started in Thai would stay Thai in the English UI, and a
registry import's label holds its date in the Christian era ("2021-04-01"). The pages make
the label again from the job's parameters, with the same words as jobs.handlers; a label
that cannot be made again is shown as it was stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django import template
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from districts.models import District, Province
from districts.templatetags.portal import be_date
from jobs.models import Job

register = template.Library()


def labels_for(jobs: Iterable[tuple[int, dict, str]]) -> dict[int, str]:
    """{job id: label} for (id, params, stored label) rows, in three queries at most."""
    jobs = [(pk, params if isinstance(params, dict) else {}, label) for pk, params, label in jobs]
    district_names = dict(
        District.objects.filter(
            code__in={str(p["district"]) for _pk, p, _l in jobs if p.get("district")}
        ).values_list("code", "name_th")
    )
    province_names = dict(
        Province.objects.filter(
            code__in={str(p["province"]) for _pk, p, _l in jobs if p.get("province")}
        ).values_list("code", "name_th")
    )
    labels = {}
    for pk, params, stored in jobs:
        label = stored
        if params.get("as_of"):
            try:
                as_of = dt.date.fromisoformat(str(params["as_of"]))
            except ValueError:
                pass
            else:
                label = _("ทะเบียน ณ วันที่ %(date)s") % {"date": be_date(as_of)}
        elif params.get("round"):
            place = None
            if params.get("district"):
                if name := district_names.get(str(params["district"])):
                    place = _("อำเภอ%(name)s") % {"name": name}
            elif params.get("province"):
                if name := province_names.get(str(params["province"])):
                    place = _("จังหวัด%(name)s") % {"name": name}
            elif params.get("country"):
                place = _("ทุกจังหวัด")
            if place:
                label = _("%(place)s รอบ %(round)s") % {"place": place, "round": params["round"]}
        labels[pk] = label
    return labels


@register.filter
def job_label(job: Job) -> str:
    """{{ job|job_label }}: one job's label (the job's page)."""
    return labels_for([(job.pk, job.params, job.label)])[job.pk]


@register.simple_tag
def jobs_labelled(jobs) -> list[tuple[Job, str]]:
    """{% jobs_labelled jobs as rows %}: each job of the list with its label.

    The list's query leaves the parameters out (jobs.selectors.jobs_for_list); here the
    same query reads them, so that the list makes no query per job.
    """
    if isinstance(jobs, QuerySet):
        jobs = jobs.defer(None).defer("result")
    jobs = list(jobs)
    labels = labels_for((job.pk, job.params, job.label) for job in jobs)
    return [(job, labels[job.pk]) for job in jobs]
