"""The tenant gateway (`sealq api`): OpenAI's Batch and Files API over sealq's producer.

A tenant's system holds the gateway's URL and its API key, nothing else. The gateway seals
uploads as they stream in and opens results as they stream out, in memory only.
"""
