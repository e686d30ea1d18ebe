"""Contains all the data models used in inputs/outputs"""

from .adapt_result import AdaptResult
from .adapt_result_report import AdaptResultReport
from .analysis import Analysis
from .analysis_links import AnalysisLinks
from .analysis_meta import AnalysisMeta
from .analyze_body_type_0 import AnalyzeBodyType0
from .analyze_body_type_1 import AnalyzeBodyType1
from .analyze_body_type_2 import AnalyzeBodyType2
from .analyze_request_type_0 import AnalyzeRequestType0
from .analyze_request_type_1 import AnalyzeRequestType1
from .analyze_request_type_2 import AnalyzeRequestType2
from .error import Error
from .figures import Figures
from .figures_counts import FiguresCounts
from .job import Job
from .job_error import JobError
from .job_links import JobLinks
from .job_status import JobStatus
from .progress import Progress
from .span import Span
from .why import Why

__all__ = (
    "AdaptResult",
    "AdaptResultReport",
    "Analysis",
    "AnalysisLinks",
    "AnalysisMeta",
    "AnalyzeBodyType0",
    "AnalyzeBodyType1",
    "AnalyzeBodyType2",
    "AnalyzeRequestType0",
    "AnalyzeRequestType1",
    "AnalyzeRequestType2",
    "Error",
    "Figures",
    "FiguresCounts",
    "Job",
    "JobError",
    "JobLinks",
    "JobStatus",
    "Progress",
    "Span",
    "Why",
)
